import type { Handler, HostState } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { ManifestFact } from '../facts/manifest.ts';
import { unmanagedServices, type UnmanagedService } from '../items/ipvs.ts';
import { planManifest } from '../items/manifest.ts';
import type { PlannedItem } from '../items/planned.ts';
import { handlersOf, itemKey, planItem, planRemovals, readBackItem, recordsOf } from '../items/registry.ts';
import { entryKey } from '../manifest/entries.ts';

export type { Verdict } from '../items/kind.ts';
export type { PlannedItem, UnmanagedService };

export interface HostPlan {
  readonly state: HostState;
  /** The desired items, then the manifest's entries no longer desired (removals), then the manifest itself. */
  readonly items: readonly PlannedItem[];
  /** Run once each, after the items, because an item they watch changed or was removed. */
  readonly handlers: readonly Handler[];
  /** Live IPVS services lvsplay leaves alone, and why. */
  readonly unmanaged: readonly UnmanagedService[];
}

/**
 * Desired state against facts: the plan `--check` prints and `run` executes. Pure. With the host's manifest
 * among the facts, what it records and this state no longer wants is planned for removal, and the manifest
 * is planned as this run will leave it.
 */
export function planHost(state: HostState, facts: HostFacts): HostPlan {
  const items = state.items.map((item) => planItem(item, facts));
  const recorded = facts.manifest ? manifestItems(state, facts, facts.manifest) : [];
  const all = [...items, ...recorded];
  return { state, items: all, handlers: handlersOf(all, facts), unmanaged: unmanagedServices(state, facts) };
}

/**
 * The removals and the manifest item. A run for only some of the host's roles (`--role`) removes nothing:
 * what it does not want may still be wanted by a role it was not asked about.
 */
function manifestItems(state: HostState, facts: HostFacts, fact: ManifestFact): PlannedItem[] {
  const partial = isPartial(state);
  const entries = fact.state === 'recorded' ? fact.entries : [];
  const wanted = new Set(state.items.map(itemKey));
  const removals =
    partial || fact.state !== 'recorded'
      ? []
      : planRemovals(
          entries.filter((e) => !wanted.has(entryKey(e))),
          fact.facts,
          state.roles,
        );
  const desired = recordsOf(state.items, { facts, earlier: entries, manifest: fact.state !== 'none' });
  // The manifest records this run's work: it belongs to the roles the run was asked for.
  const manifest = planManifest(fact, desired, partial, state.roles);
  return [...removals, ...(manifest ? [manifest] : [])];
}

/** Whether the state covers only some of its host's roles (`--role`); an absent host's covers all it has: nothing. */
export function isPartial(state: HostState): boolean {
  return state.host.state !== 'absent' && state.host.roles.some((role) => !state.roles.includes(role));
}

/**
 * The changed items again, against facts read after the apply: the proof a change holds. IPVS changes read
 * back from /proc/net/ip_vs are checked service by service, for the services they touched.
 */
export function readBackItems(changed: readonly PlannedItem[], facts: HostFacts): PlannedItem[] {
  return changed.map((item) => readBackItem(item, facts));
}

/** The items the apply acts on: changes, removals and the manifest's write. */
export function pendingItems(plan: HostPlan): PlannedItem[] {
  return plan.items.filter((item) => item.verdict.status === 'change' || item.verdict.status === 'remove');
}

/**
 * A plan cut in two, for a host whose removals must wait for other hosts: a real server's changes (a new VIP
 * on `lo`) go before its directors send it traffic, its removals (an old VIP off `lo`, ARP settings put back)
 * only once they have drained it. `changes` is every item but the removals, its manifest write keeping every
 * entry (the removals are not done yet); `removals` is the removals and the manifest as the whole plan leaves
 * it. Each part has the handlers its own items fire. Undefined when there is nothing to remove.
 */
export function splitRemovals(plan: HostPlan, facts: HostFacts): { readonly changes: HostPlan; readonly removals: HostPlan } | undefined {
  const isRemoval = (item: PlannedItem) => item.kind === 'removal';
  if (!plan.items.some((item) => isRemoval(item) && item.verdict.status === 'remove')) return undefined;
  const changes = plan.items.flatMap((item): PlannedItem[] => {
    if (isRemoval(item)) return [];
    if (item.kind !== 'manifest' || !item.write) return [item];
    return [{ ...item, write: { content: item.write.fallback, fallback: item.write.fallback } }];
  });
  const removals = plan.items.filter((item) => isRemoval(item) || item.kind === 'manifest');
  const part = (items: readonly PlannedItem[]): HostPlan => ({ ...plan, items, handlers: handlersOf(items, facts) });
  return { changes: part(changes), removals: part(removals) };
}
