import type { UnitItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { quote } from '../ssh/quote.ts';
import type { ItemKind, Verdict } from './kind.ts';

/** A systemd unit enabled for boot, and started now unless starting it would disturb live state. */
export const unitKind: ItemKind<UnitItem, Pick<HostFacts, 'units'>> = {
  kind: 'unit',
  key: (item) => `unit ${item.name}`,
  describe: (item) => `unit ${item.name} ${item.startNow ? 'enabled and active' : 'enabled'}`,
  facts: (item) => ({ units: [item.name] }),
  plan: (item, facts) => ({ verdict: verdictOf(item, facts) }),
  // One enable for all units and no reload of its own (the daemon-reload handler ran already if a unit file
  // changed, and enabling only adds links): on a small VM each systemd reload costs seconds.
  steps: (units) => {
    if (units.length === 0) return [];
    const enable = `systemctl enable --no-reload ${units.map((u) => quote(u.name)).join(' ')}`;
    const toStart = units.filter((u) => u.startNow);
    const start = `systemctl start ${toStart.map((u) => quote(u.name)).join(' ')}`;
    return [{ title: enable, items: units, body: enable }, ...(toStart.length > 0 ? [{ title: start, items: toStart, body: start }] : [])];
  },
};

function verdictOf(item: UnitItem, facts: Pick<HostFacts, 'units'>): Verdict {
  const live = facts.units.get(item.name);
  const enabled = live?.unitFile === 'enabled';
  const active = live?.active === 'active';
  if (!live || live.load === 'not-found') return { status: 'change', reason: `${item.name} is not installed yet` };
  if (!enabled) return { status: 'change', reason: `${item.name} is ${live.unitFile || 'not enabled'}` };
  if (item.startNow && !active) return { status: 'change', reason: `${item.name} is ${live.active}` };
  return { status: 'ok', reason: `${item.name} is enabled${item.startNow ? ' and active' : ''}` };
}
