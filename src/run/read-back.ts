import { batchFacts } from '../facts/batch.ts';
import { readBackRequestOf } from '../items/registry.ts';
import { changedItems, readBackItems, type HostPlan, type PlannedItem } from '../plan/plan.ts';

/**
 * The read-back of a plan's changes: the facts script of only the changed items (each kind says which
 * facts prove its change), run after the apply steps in the same round trip, and the check of its output,
 * one verdict per changed item in their order.
 */
export function readBackOf(plan: HostPlan): { readonly changed: PlannedItem[]; readonly script: string; check(output: string): PlannedItem[] } {
  const changed = changedItems(plan);
  const facts = batchFacts(readBackRequestOf(changed));
  return { changed, script: facts.script, check: (output) => readBackItems(changed, facts.parse(output)) };
}
