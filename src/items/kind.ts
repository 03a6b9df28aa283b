import type { Handler, ItemSpec } from '../desired/state.ts';
import type { RoleName } from '../inventory/model.ts';
import type { FactRequest } from '../facts/request.ts';
import type { StepDraft } from '../apply/step.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { RecordedFacts } from '../facts/manifest.ts';
import type { ManifestEntry } from '../manifest/entries.ts';

/**
 * The verdict on one item: `ok` (nothing to do, and why), `change` (what differs), `fail` (wrong in a way
 * lvsplay must not fix itself, such as a NAT real server's route), or `remove` (in the host's manifest, no
 * longer desired, and still there to undo). Every `status` switch must stay exhaustive.
 */
export type Verdict =
  | { readonly status: 'ok'; readonly reason: string }
  | { readonly status: 'change'; readonly reason: string }
  | { readonly status: 'fail'; readonly reason: string }
  | { readonly status: 'remove'; readonly reason: string };

/**
 * A manifest entry that is no longer desired, with its verdict: `remove` (its kind's undo steps run), or `ok`
 * (already gone, or nothing lvsplay may undo: it is only dropped from the manifest). `undo` is the part of the
 * entry the steps undo (the IPVS services still live), the entry itself for every other kind.
 */
export interface Removal<E extends ManifestEntry = ManifestEntry> {
  readonly kind: 'removal';
  readonly entry: E;
  readonly undo: E;
  /** No role wants it any more. */
  readonly roles: readonly RoleName[];
  readonly verdict: Verdict;
  readonly ipvsChanges?: never;
}

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
 * Removal fits beside `plan` and `steps`: `record` is what the host's manifest keeps of an item once applied
 * (`E`, keyed as the item), `planRemoval` judges an entry no longer desired on the live state read with the
 * manifest, and `removeSteps` undo it; the registry runs every kind's removals before any addition.
 */
export interface ItemKind<I extends ItemSpec, F, X extends object = object, E extends ManifestEntry = never> {
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
  /**
   * What the manifest keeps of it: without `before`, as far as the item alone tells (the steady-state check);
   * with the facts read before the apply and the entry recorded by an earlier run, whole (a sysctl's prior value).
   */
  record?(item: I, before?: { readonly facts: F; readonly earlier: E | undefined; readonly manifest: boolean }): E;
  /** A manifest entry as the report names it (`file /etc/…`). */
  describeEntry?(entry: E): string;
  /** An entry no longer desired, against the live state of what the manifest names. */
  planRemoval?(entry: E, facts: RecordedFacts): { readonly verdict: Verdict; readonly undo?: E };
  /** The steps that undo these entries, all at once. */
  removeSteps?(removed: readonly Removal<E>[]): StepDraft[];
  /** The handlers a removal fires (a unit file removed: daemon-reload). */
  removalFires?(entry: E): readonly Handler[];
  /** The facts that prove a removal held. */
  removalReadBackFacts?(entry: E): FactRequest;
  /** The verdict on a removal read back; without it, the entry is planned again (`ok`: gone). */
  readBackRemoval?(removal: Removal<E>, facts: HostFacts): Verdict;
  /** The files whose content on the host `diffRemoved` shows. */
  removalDiffReads?(entry: E): readonly string[];
  /** What `--diff` shows for its removals (a file's diff to nothing), given the files' content on the host. */
  diffRemoved?(removed: readonly Removal<E>[], onHost: ReadonlyMap<string, string>): string[];
}
