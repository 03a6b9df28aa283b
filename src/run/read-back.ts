import { batchFacts } from '../facts/batch.ts';
import { readBackRequestOf } from '../items/registry.ts';
import { pendingItems, readBackItems, type HostPlan, type PlannedItem } from '../plan/plan.ts';

/**
 * The read-back of a plan's changes and removals: the facts script of only those items (each kind says which
 * facts prove its change or removal), run after the apply steps in the same round trip, and the check of its output,
 * one verdict per changed item in their order.
 */
export function readBackOf(plan: HostPlan): { readonly changed: PlannedItem[]; readonly script: string; check(output: string): PlannedItem[] } {
  const changed = pendingItems(plan);
  const facts = batchFacts(readBackRequestOf(changed));
  return { changed, script: facts.script, check: (output) => readBackItems(changed, facts.parse(output)) };
}
