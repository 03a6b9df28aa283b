import type { Handler, HostState } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { unmanagedServices, type UnmanagedService } from '../items/ipvs.ts';
import type { PlannedItem } from '../items/planned.ts';
import { handlersOf, planItem, readBackItem } from '../items/registry.ts';

export type { Verdict } from '../items/kind.ts';
export type { PlannedItem, UnmanagedService };

export interface HostPlan {
  readonly state: HostState;
  readonly items: readonly PlannedItem[];
  /** Run once each, after the items, because an item they watch changed. */
  readonly handlers: readonly Handler[];
  /** Live IPVS services lvsplay leaves alone, and why. */
  readonly unmanaged: readonly UnmanagedService[];
}

/** Desired state against facts: the plan `--check` prints and `run` executes. Pure. */
export function planHost(state: HostState, facts: HostFacts): HostPlan {
  const items = state.items.map((item) => planItem(item, facts));
  return { state, items, handlers: handlersOf(items, facts), unmanaged: unmanagedServices(state, facts) };
}

/**
 * The changed items again, against facts read after the apply: the proof a change holds. IPVS changes read
 * back from /proc/net/ip_vs are checked service by service, for the services they touched.
 */
export function readBackItems(changed: readonly PlannedItem[], facts: HostFacts): PlannedItem[] {
  return changed.map((item) => readBackItem(item, facts));
}

export function changedItems(plan: HostPlan): PlannedItem[] {
  return plan.items.filter((item) => item.verdict.status === 'change');
}
