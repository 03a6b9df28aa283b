import type { RoleName } from '../inventory/model.ts';
import type { StepDraft } from '../apply/step.ts';
import type { DesiredItem, Handler, ItemSpec } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { RecordedFacts } from '../facts/manifest.ts';
import { mergeFactRequests, type FactRequest } from '../facts/request.ts';
import { entryKey, type EntryKind, type EntryOf, type ManifestEntry } from '../manifest/entries.ts';
import { MANIFEST_PATH } from '../manifest/format.ts';
import { addressKind } from './address.ts';
import { defaultRouteKind } from './default-route.ts';
import { fileKind } from './file.ts';
import { handlerStep } from './handlers.ts';
import { ipvsKind } from './ipvs.ts';
import { ipvsTimeoutKind } from './ipvs-timeout.ts';
import { keepalivedDrainKind } from './keepalived-drain.ts';
import { linkKind } from './link.ts';
import type { ItemKind, Removal } from './kind.ts';
import { MANIFEST_ITEM, manifestStep, readBackManifest, type PlannedManifest } from './manifest.ts';
import { moduleKind } from './module.ts';
import { nftTableKind } from './nft-table.ts';
import { packageKind } from './package.ts';
import type { PlannedItem } from './planned.ts';
import { sysctlKind } from './sysctl.ts';
import { unitKind } from './unit.ts';

type Kind = ItemSpec['kind'];

/** What a kind records in the manifest: its entry type, or never for a kind lvsplay only checks. */
type EntryFor<K extends Kind> = K extends EntryKind ? EntryOf<K> : never;

/** Each kind's module, under the name its items carry; adding a kind to ItemSpec fails here until it has one. */
const KINDS: { readonly [K in Kind]: ItemKind<Extract<ItemSpec, { kind: K }>, HostFacts, object, EntryFor<K>> } = {
  package: packageKind,
  file: fileKind,
  module: moduleKind,
  sysctl: sysctlKind,
  link: linkKind,
  address: addressKind,
  unit: unitKind,
  ipvs: ipvsKind,
  'keepalived-drain': keepalivedDrainKind,
  'default-route': defaultRouteKind,
  'ipvs-timeout': ipvsTimeoutKind,
  'nft-table': nftTableKind,
};

// TypeScript cannot follow an item's kind into the table's value for it; the table's type above pairs them.
function kindOf<I extends ItemSpec>(item: I): ItemKind<I, HostFacts, object> {
  return KINDS[item.kind] as unknown as ItemKind<I, HostFacts, object>;
}

/** A kind's module for a batch of its planned items (the caller picked them by `kind`). */
function batchKind(kind: Kind): ItemKind<PlannedDesired, HostFacts, object> {
  return KINDS[kind] as unknown as ItemKind<PlannedDesired, HostFacts, object>;
}

// The kind that recorded an entry: the table's type pairs them, as for items.
function entryKindOf<E extends ManifestEntry>(entry: E): ItemKind<ItemSpec, HostFacts, object, E> {
  return KINDS[entry.kind] as unknown as ItemKind<ItemSpec, HostFacts, object, E>;
}

/** A desired item as planned: neither a removal nor the manifest. */
type PlannedDesired = Exclude<PlannedItem, Removal | PlannedManifest>;

function isDesired(item: PlannedItem): item is PlannedDesired {
  return item.kind !== 'removal' && item.kind !== 'manifest';
}

function ofKind(kind: Kind, items: readonly PlannedItem[]): PlannedDesired[] {
  return items.filter((item): item is PlannedDesired => item.kind === kind);
}

function removalsOfKind(kind: EntryKind, items: readonly PlannedItem[]): Removal[] {
  return items.filter((item): item is Removal => item.kind === 'removal' && item.entry.kind === kind);
}

const HANDLERS = 'handlers';

/**
 * The order of a host's apply steps. Packages first: the IPVS step runs ipvsadm, and a file may be checked by
 * its package's program (keepalived.conf by keepalived). Then files: unit files before the daemon-reload,
 * sysctl files before their `sysctl -p`. Modules before the handlers: `sysctl -p` of net.ipv4.vs.* needs
 * ip_vs loaded; links after modules, since ipip creates tunl0. A sysctl is set by its file's handler and a default route is only checked: neither has steps
 * of its own. keepalived's drains wait between its new file and its reload (a handler), which deletes them.
 * IPVS timeouts after the module (ipvsadm would load it anyway) and the table: they apply to new connections.
 * The marks of firewall-mark services (nft-table) before the IPVS table: a service turned into a mark's is
 * deleted and its mark's added by one `ipvsadm -R`, whose packets must then carry the mark already.
 */
const APPLY_ORDER = ['package', 'file', 'keepalived-drain', 'module', 'link', HANDLERS, 'sysctl', 'address', 'nft-table', 'unit', 'ipvs', 'ipvs-timeout', 'default-route'] as const;

// A kind missing from APPLY_ORDER would never be applied: this fails to compile until it is listed.
const EVERY_KIND_ORDERED: Exclude<Kind, (typeof APPLY_ORDER)[number]> extends never ? true : never = true;
void EVERY_KIND_ORDERED;

const KIND_ORDER = APPLY_ORDER.filter((phase): phase is Kind => phase !== HANDLERS);

/**
 * The order of a host's removals, all before APPLY_ORDER (an address freed before another item claims it):
 * IPVS services first (no traffic sent to what goes next), units stopped while their files (ExecStop's
 * ifcfg) are still there, then their addresses, files, and sysctls put back. A removed file fires only
 * daemon-reload (a removed sysctl file is never `sysctl -p`'d), which runs with the handlers, after them all.
 */
const REMOVE_ORDER = ['ipvs', 'ipvs-timeout', 'unit', 'address', 'file', 'sysctl', 'module'] as const;

// An entry kind missing from REMOVE_ORDER would never be undone: this fails to compile until it is listed.
const EVERY_ENTRY_ORDERED: Exclude<EntryKind, (typeof REMOVE_ORDER)[number]> extends never ? true : never = true;
void EVERY_ENTRY_ORDERED;

export function itemKey(item: ItemSpec): string {
  return kindOf(item).key(item);
}

export function describeItem(item: ItemSpec | PlannedItem): string {
  if (item.kind === 'manifest') return MANIFEST_ITEM;
  if (item.kind === 'removal') return describeEntry(item.entry);
  return kindOf(item).describe(item);
}

function describeEntry(entry: ManifestEntry): string {
  return entryKindOf(entry).describeEntry?.(entry) ?? entryKey(entry);
}

/**
 * What the manifest keeps of these items: without `facts`, as far as the items tell (the steady-state hash);
 * with the facts read before the apply and the manifest's entries, whole. A kind only checked records nothing.
 */
export function recordsOf(items: readonly ItemSpec[], before?: { readonly facts: HostFacts; readonly earlier: readonly ManifestEntry[]; readonly manifest: boolean }): ManifestEntry[] {
  const earlier = new Map(before?.earlier.map((entry) => [entryKey(entry), entry]));
  return items.flatMap((item) => {
    const kind = kindOf(item) as ItemKind<ItemSpec, HostFacts, object, ManifestEntry>;
    if (!kind.record) return [];
    return [before ? kind.record(item, { facts: before.facts, earlier: earlier.get(kind.key(item)), manifest: before.manifest }) : kind.record(item)];
  });
}

/**
 * The entries no longer desired, each judged on the live state read with the manifest. The manifest does not
 * say which role made an entry: a removal is credited to the roles the run was asked for (`--role` filters on it).
 */
export function planRemovals(entries: readonly ManifestEntry[], facts: RecordedFacts, roles: readonly RoleName[]): Removal[] {
  return entries.map((entry) => {
    const planned = entryKindOf(entry).planRemoval?.(entry, facts);
    const verdict = planned?.verdict ?? { status: 'ok' as const, reason: 'nothing to undo' };
    return { kind: 'removal', entry, undo: planned?.undo ?? entry, roles, verdict };
  });
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

/** The facts that prove these changes and removals held, as one request, run after the steps in the apply round trip. */
export function readBackRequestOf(pending: readonly PlannedItem[]): FactRequest {
  const desired = pending.filter(isDesired);
  return mergeFactRequests(
    pending.map((item): FactRequest => {
      if (item.kind === 'manifest') return { files: [MANIFEST_PATH] };
      if (item.kind === 'removal') return entryKindOf(item.entry).removalReadBackFacts?.(item.entry) ?? {};
      const kind = kindOf(item);
      return kind.readBackFacts ? kind.readBackFacts(item, desired) : kind.facts(item, desired);
    }),
  );
}

export function planItem(item: DesiredItem, facts: HostFacts): PlannedItem {
  return { ...item, ...kindOf(item).plan(item, facts) } as PlannedItem;
}

export function readBackItem(item: PlannedItem, facts: HostFacts): PlannedItem {
  if (item.kind === 'manifest') return { ...item, verdict: readBackManifest(item, facts) };
  if (item.kind === 'removal') {
    const kind = entryKindOf(item.entry);
    return { ...item, verdict: kind.readBackRemoval ? kind.readBackRemoval(item, facts) : (kind.planRemoval?.(item.entry, facts).verdict ?? item.verdict) };
  }
  const kind = kindOf(item);
  return kind.readBack ? ({ ...item, ...kind.readBack(item, facts) } as PlannedItem) : planItem(item, facts);
}

/** The handlers the changes and removals fire, each once, in the order first fired. */
export function handlersOf(items: readonly PlannedItem[], facts: HostFacts): Handler[] {
  const handlers = new Map<string, Handler>();
  for (const item of items) {
    const fired =
      item.kind === 'removal'
        ? item.verdict.status === 'remove'
          ? (entryKindOf(item.entry).removalFires?.(item.entry) ?? [])
          : []
        : item.kind === 'manifest' || item.verdict.status !== 'change'
          ? []
          : (kindOf(item).fires?.(item, facts) ?? []);
    for (const handler of fired) handlers.set(JSON.stringify(handler), handler);
  }
  return [...handlers.values()];
}

/** The removals in REMOVE_ORDER, then every kind's steps and the handlers' in APPLY_ORDER, then the manifest: one script per host. */
export function stepDrafts(pending: readonly PlannedItem[], handlers: readonly Handler[]): StepDraft[] {
  const desired = pending.filter(isDesired);
  return [
    ...REMOVE_ORDER.flatMap((kind) => removeSteps(kind, pending)),
    ...APPLY_ORDER.flatMap((phase) =>
      phase === HANDLERS
        ? handlers.map((handler) =>
            handlerStep(
              handler,
              desired.filter((item) => kindOf(item).madeBy?.(item, handler)),
            ),
          )
        : kindSteps(phase, desired),
    ),
    ...pending.flatMap((item) => (item.kind === 'manifest' ? manifestStep(item) : [])),
  ];
}

function kindSteps(kind: Kind, changed: readonly PlannedItem[]): StepDraft[] {
  return batchKind(kind).steps?.(ofKind(kind, changed)) ?? [];
}

function removeSteps(kind: EntryKind, pending: readonly PlannedItem[]): StepDraft[] {
  const removed = removalsOfKind(kind, pending).filter((r) => r.verdict.status === 'remove');
  return removed.length > 0 ? (entryKindOf(removed[0]!.entry).removeSteps?.(removed) ?? []) : [];
}

/** What `--diff` shows for the changes and removals, kind by kind; `read` fetches the files' content from the host once. */
export async function diffsOf(pending: readonly PlannedItem[], read: (paths: readonly string[]) => Promise<ReadonlyMap<string, string>>): Promise<string[]> {
  const paths = pending.flatMap((item) => (item.kind === 'removal' ? (entryKindOf(item.entry).removalDiffReads?.(item.entry) ?? []) : isDesired(item) ? (kindOf(item).diffReads?.(item) ?? []) : []));
  const onHost = paths.length > 0 ? await read(paths) : new Map<string, string>();
  const removals = REMOVE_ORDER.flatMap((kind) => {
    const mine = removalsOfKind(kind, pending).filter((r) => r.verdict.status === 'remove');
    return mine.length > 0 ? (entryKindOf(mine[0]!.entry).diffRemoved?.(mine, onHost) ?? []) : [];
  });
  const changes = KIND_ORDER.flatMap((kind) => {
    const mine = ofKind(kind, pending);
    return mine.length > 0 ? (batchKind(kind).diff?.(mine, onHost) ?? []) : [];
  });
  return [...removals, ...changes];
}
