import type { StepDraft } from '../apply/step.ts';
import type { DesiredItem, Handler, ItemSpec } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { mergeFactRequests, type FactRequest } from '../facts/request.ts';
import { addressKind } from './address.ts';
import { defaultRouteKind } from './default-route.ts';
import { fileKind } from './file.ts';
import { handlerStep } from './handlers.ts';
import { ipvsKind } from './ipvs.ts';
import type { ItemKind } from './kind.ts';
import { moduleKind } from './module.ts';
import type { PlannedItem } from './planned.ts';
import { sysctlKind } from './sysctl.ts';
import { unitKind } from './unit.ts';

type Kind = ItemSpec['kind'];

/** Each kind's module, under the name its items carry; adding a kind to ItemSpec fails here until it has one. */
const KINDS: { readonly [K in Kind]: ItemKind<Extract<ItemSpec, { kind: K }>, HostFacts, object> } = {
  file: fileKind,
  module: moduleKind,
  sysctl: sysctlKind,
  address: addressKind,
  unit: unitKind,
  ipvs: ipvsKind,
  'default-route': defaultRouteKind,
};

// TypeScript cannot follow an item's kind into the table's value for it; the table's type above pairs them.
function kindOf<I extends ItemSpec>(item: I): ItemKind<I, HostFacts, object> {
  return KINDS[item.kind] as unknown as ItemKind<I, HostFacts, object>;
}

/** A kind's module for a batch of its planned items (the caller picked them by `kind`). */
function batchKind(kind: Kind): ItemKind<PlannedItem, HostFacts, object> {
  return KINDS[kind] as unknown as ItemKind<PlannedItem, HostFacts, object>;
}

function ofKind(kind: Kind, items: readonly PlannedItem[]): PlannedItem[] {
  return items.filter((item) => item.kind === kind);
}

const HANDLERS = 'handlers';

/**
 * The order of a host's apply steps. Files first: unit files before the daemon-reload, sysctl files before
 * their `sysctl -p`. Modules before the handlers: `sysctl -p` of net.ipv4.vs.* needs ip_vs loaded. A sysctl is
 * set by its file's handler and a default route is only checked: neither has steps of its own.
 */
const APPLY_ORDER = ['file', 'module', HANDLERS, 'sysctl', 'address', 'unit', 'ipvs', 'default-route'] as const;

// A kind missing from APPLY_ORDER would never be applied: this fails to compile until it is listed.
const EVERY_KIND_ORDERED: Exclude<Kind, (typeof APPLY_ORDER)[number]> extends never ? true : never = true;
void EVERY_KIND_ORDERED;

const KIND_ORDER = APPLY_ORDER.filter((phase): phase is Kind => phase !== HANDLERS);

export function itemKey(item: ItemSpec): string {
  return kindOf(item).key(item);
}

export function describeItem(item: ItemSpec): string {
  return kindOf(item).describe(item);
}

/** Whether two roles' wishes for the same key agree: by the kind's rule, else when they are equal. */
export function sameWish(a: ItemSpec, b: ItemSpec): boolean {
  const rule = a.kind === b.kind ? kindOf(a).sameWish : undefined;
  return rule ? rule(a, b) : JSON.stringify(a) === JSON.stringify(b);
}

/** The facts these items are planned on, as one request: one facts round trip per host. */
export function factRequestOf(items: readonly ItemSpec[]): FactRequest {
  return mergeFactRequests(items.map((item) => kindOf(item).facts(item, items)));
}

/** The facts that prove these changes held, as one request, run after the steps in the apply round trip. */
export function readBackRequestOf(changed: readonly PlannedItem[]): FactRequest {
  return mergeFactRequests(
    changed.map((item) => {
      const kind = kindOf(item);
      return kind.readBackFacts ? kind.readBackFacts(item, changed) : kind.facts(item, changed);
    }),
  );
}

export function planItem(item: DesiredItem, facts: HostFacts): PlannedItem {
  return { ...item, ...kindOf(item).plan(item, facts) } as PlannedItem;
}

export function readBackItem(item: PlannedItem, facts: HostFacts): PlannedItem {
  const kind = kindOf(item);
  return kind.readBack ? ({ ...item, ...kind.readBack(item, facts) } as PlannedItem) : planItem(item, facts);
}

/** The handlers the changed items fire, each once, in the order first fired. */
export function handlersOf(items: readonly PlannedItem[], facts: HostFacts): Handler[] {
  const handlers = new Map<string, Handler>();
  for (const item of items) {
    if (item.verdict.status !== 'change') continue;
    for (const handler of kindOf(item).fires?.(item, facts) ?? []) handlers.set(JSON.stringify(handler), handler);
  }
  return [...handlers.values()];
}

/** The steps of every kind, and the handlers', in APPLY_ORDER: one script per host. */
export function stepDrafts(changed: readonly PlannedItem[], handlers: readonly Handler[]): StepDraft[] {
  return APPLY_ORDER.flatMap((phase) =>
    phase === HANDLERS ? handlers.map((handler) => handlerStep(handler, changed.filter((item) => kindOf(item).madeBy?.(item, handler)))) : kindSteps(phase, changed),
  );
}

function kindSteps(kind: Kind, changed: readonly PlannedItem[]): StepDraft[] {
  return batchKind(kind).steps?.(ofKind(kind, changed)) ?? [];
}

/** What `--diff` shows for the changed items, kind by kind; `read` fetches the files' content from the host once. */
export async function diffsOf(changed: readonly PlannedItem[], read: (paths: readonly string[]) => Promise<ReadonlyMap<string, string>>): Promise<string[]> {
  const paths = changed.flatMap((item) => kindOf(item).diffReads?.(item) ?? []);
  const onHost = paths.length > 0 ? await read(paths) : new Map<string, string>();
  return KIND_ORDER.flatMap((kind) => {
    const mine = ofKind(kind, changed);
    return mine.length > 0 ? (batchKind(kind).diff?.(mine, onHost) ?? []) : [];
  });
}
