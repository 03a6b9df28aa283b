import { factsScript } from '../facts/gather.ts';
import { procReadBack } from '../plan/ipvs-read-back.ts';
import { changedItems, readBackItems, type HostPlan, type PlannedItem } from '../plan/plan.ts';

/**
 * The read-back of a plan's changes: the facts script of only the changed items (IPVS from /proc/net/ip_vs
 * when it can prove them), run after the apply steps in the same round trip, and the check of its output,
 * one verdict per changed item in their order.
 */
export function readBackOf(plan: HostPlan): { readonly changed: PlannedItem[]; readonly script: string; check(output: string): PlannedItem[] } {
  const changed = changedItems(plan);
  const fromProc = procReadBack(changed.flatMap((item) => (item.kind === 'ipvs' ? item.ipvsChanges ?? [] : [])));
  const facts = factsScript({ ...plan.state, items: changed }, fromProc ? { ipvsFromProc: fromProc } : {});
  return { changed, script: facts.script, check: (output) => readBackItems(changed, facts.parse(output)) };
}
