import type { DesiredItem } from '../../../src/desired/state.ts';
import type { PlannedItem } from '../../../src/plan/plan.ts';
import type { ItemResult, ItemStatus } from '../../../src/run/outcome.ts';

/** A sysctl item's result, as the report tests need one: `sysctl KEY = 1`, with this status and reason. */
export function item(key: string, status: ItemStatus, reason: string): ItemResult {
  const desired: DesiredItem = { kind: 'sysctl', key, value: '1', file: '/etc/sysctl.d/90-lvsplay-router.conf', roles: ['router'] };
  return { item: { ...desired, verdict: { status: 'ok', reason } } as PlannedItem, status, reason };
}
