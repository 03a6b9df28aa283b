import type { UnitItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { quote } from '../ssh/quote.ts';
import type { UnitState } from '../facts/units.ts';
import type { UnitEntry } from '../manifest/entries.ts';
import type { ItemKind, Verdict } from './kind.ts';
import { NO_LONGER_WANTED } from './removal-words.ts';

/** A systemd unit enabled for boot, and started now unless starting it would disturb live state. */
export const unitKind: ItemKind<UnitItem, Pick<HostFacts, 'units'>, object, UnitEntry> = {
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
  record: (item) => ({ kind: 'unit', name: item.name }),
  describeEntry: (entry) => `unit ${entry.name}`,
  planRemoval: (entry, facts) => ({ verdict: removalVerdict(entry, facts.units.get(entry.name)) }),
  // Stopped while its unit file and whatever it reads (an ifcfg file) are still there: ExecStop needs them.
  removeSteps: (removed) => {
    if (removed.length === 0) return [];
    const command = `systemctl disable --now --no-reload ${removed.map((r) => quote(r.entry.name)).join(' ')}`;
    return [{ title: command, items: removed, body: command }];
  },
  removalReadBackFacts: (entry) => ({ units: [entry.name] }),
};

function removalVerdict(entry: UnitEntry, live: UnitState | undefined): Verdict {
  if (!live || live.load === 'not-found') return { status: 'ok', reason: `${NO_LONGER_WANTED}, and no longer installed` };
  const running = !['inactive', 'failed'].includes(live.active);
  const enabled = live.unitFile.startsWith('enabled');
  if (!running && !enabled) return { status: 'ok', reason: `${NO_LONGER_WANTED}, and already stopped and ${live.unitFile || 'not enabled'}` };
  const now = [enabled && live.unitFile, running && live.active].filter(Boolean).join(' and ');
  return { status: 'remove', reason: `${NO_LONGER_WANTED}: stop and disable ${entry.name} (${now})` };
}

function verdictOf(item: UnitItem, facts: Pick<HostFacts, 'units'>): Verdict {
  const live = facts.units.get(item.name);
  const enabled = live?.unitFile === 'enabled';
  const active = live?.active === 'active';
  if (!live || live.load === 'not-found') return { status: 'change', reason: `${item.name} is not installed yet` };
  if (!enabled) return { status: 'change', reason: `${item.name} is ${live.unitFile || 'not enabled'}` };
  if (item.startNow && !active) return { status: 'change', reason: `${item.name} is ${live.active}` };
  return { status: 'ok', reason: `${item.name} is enabled${item.startNow ? ' and active' : ''}` };
}
