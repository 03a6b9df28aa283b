import type { Handler, ItemSpec } from '../desired/state.ts';
import type { RoleName } from '../inventory/model.ts';
import type { FactRequest } from '../facts/request.ts';
import type { StepDraft } from '../apply/step.ts';

/**
 * The verdict on one item: `ok` (nothing to do, and why), `change` (what differs), or `fail` (wrong in a way
 * lvsplay must not fix itself, such as a NAT real server's route). Removal will add a member here (an item
 * in the host's manifest that is no longer desired), so every `status` switch must stay exhaustive.
 */
export type Verdict =
  | { readonly status: 'ok'; readonly reason: string }
  | { readonly status: 'change'; readonly reason: string }
  | { readonly status: 'fail'; readonly reason: string };

/** A desired item of one kind, with the roles that want it. */
export type Desired<I extends ItemSpec> = I & { readonly roles: readonly RoleName[] };

/** An item of one kind with its verdict, and whatever else its kind's plan found (`X`: the IPVS delta). */
export type Planned<I extends ItemSpec, X extends object = object> = Desired<I> & { readonly verdict: Verdict } & X;

/**
 * Everything lvsplay knows about one kind of item, in one place (pyinfra's operation): `I` is the item,
 * `F` the part of the host's facts it is planned on, `X` what its plan adds to a planned item.
 *
 * The registry (registry.ts) merges every item's `facts` into one facts script and every kind's `steps` into
 * one apply script, in the order it keeps; a kind never sees another kind's items, except through `facts`'
 * `others` (the IPVS item reads the rules file's hash from there).
 *
 * Removal is meant to fit beside `plan` and `steps` without touching the registry's callers: `key` names a
 * manifest entry; a kind would add what it records there once applied (a sysctl's value before lvsplay set
 * it, a file's hash), a plan of an entry no longer desired (a `remove` verdict, or `ok` when already gone)
 * and the steps that undo it, which the registry would order before the additions.
 */
export interface ItemKind<I extends ItemSpec, F, X extends object = object> {
  readonly kind: I['kind'];
  /** Its identity on a host: two roles' items with one key are one item, and what lvsplay made will be recorded by it. */
  key(item: I): string;
  /** The item as the report names it (`sysctl net.ipv4.ip_forward = 1`). */
  describe(item: I): string;
  /** Whether two roles' wishes for one key agree; without it, only when they are equal. */
  sameWish?(a: I, b: I): boolean;
  /** The facts it is planned on; `others` are the items gathered with it. */
  facts(item: I, others: readonly ItemSpec[]): FactRequest;
  plan(item: I, facts: F): { readonly verdict: Verdict } & X;
  /** The handlers its change fires; they run once per host, after the files and modules. */
  fires?(item: Planned<I, X>, facts: F): readonly Handler[];
  /** Whether `handler` is what makes its change (`sysctl -p` sets a sysctl's live value): the report credits it there. */
  madeBy?(item: Planned<I, X>, handler: Handler): boolean;
  /** The steps that make the changes of its items, all at once (one `systemctl enable` for every unit). */
  steps?(changed: readonly Planned<I, X>[]): StepDraft[];
  /** The facts that prove a change held; without it, those it was planned on. */
  readBackFacts?(item: Planned<I, X>, others: readonly ItemSpec[]): FactRequest;
  /** The verdict on a change read back; without it, the item is planned again. */
  readBack?(item: Planned<I, X>, facts: F): { readonly verdict: Verdict } & X;
  /** The files whose content on the host `diff` compares with. */
  diffReads?(item: Planned<I, X>): readonly string[];
  /** What `--diff` shows for its changed items, given the content of the files `diffReads` named. */
  diff?(changed: readonly Planned<I, X>[], onHost: ReadonlyMap<string, string>): string[];
}
