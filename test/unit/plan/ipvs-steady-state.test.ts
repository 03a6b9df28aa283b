// The IPVS item when the host found its live table to be the rules file this run writes (a mark, no table), or
// sent the table because something differs.
import { strict as assert } from 'node:assert';
import type { HostState } from '../../../src/desired/state.ts';
import { parseIpvsFacts } from '../../../src/facts/ipvs.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import type { IpvsTable } from '../../../src/ipvs/table.ts';
import { planHost, readBackItems, type PlannedItem } from '../../../src/plan/plan.ts';
import { svc } from '../ipvs/helpers.ts';
import { NO_FACTS } from './no-facts.ts';

const LVS: Host = { name: 'lvs', ssh: { host: 'lvs', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['director-dr'], extraAddresses: [], state: 'present' };

const WANTED: IpvsTable = [svc('tcp 10.0.0.8:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 1'), svc('tcp 10.0.0.9:80 wlc', '192.168.10.71:80 route 1')];

/** What the host sends when `ipvsadm-save -n` prints as the rules file: marks only. */
const MARKED = '@@live-as-desired\n@@persisted\n@@as-desired\n';

/** The same table listed in full. */
const LISTED = [
  '-A -t 10.0.0.8:80 -s rr',
  '-a -t 10.0.0.8:80 -r 192.168.10.71:80 -g -w 1',
  '-a -t 10.0.0.8:80 -r 192.168.10.72:80 -g -w 1',
  '-A -t 10.0.0.9:80 -s wlc',
  '-a -t 10.0.0.9:80 -r 192.168.10.71:80 -g -w 1',
  '@@persisted',
  '@@as-desired',
  '',
].join('\n');

function plan(desired: IpvsTable, output: string) {
  const state: HostState = { host: LVS, roles: ['director-dr'], items: [{ kind: 'ipvs', table: desired, drainTimeouts: {}, roles: ['director-dr'] }] };
  const facts = { ...NO_FACTS, ipvs: parseIpvsFacts(output, desired) };
  return { planned: planHost(state, facts), facts };
}

describe('IPVS item on a steady-state director', () => {
  it('is ok when the live table is the rules file lvsplay writes, and says so: no change, nothing left alone', () => {
    const { planned } = plan(WANTED, MARKED);
    assert.deepEqual(planned.items[0]!.verdict, { status: 'ok', reason: 'live table is the rules file lvsplay writes (2 services)' });
    assert.deepEqual(planned.items[0]!.ipvsChanges, []);
    assert.deepEqual(planned.unmanaged, []);
  });

  it('is ok as before when the same table is listed in full', () => {
    const { planned } = plan(WANTED, LISTED);
    assert.deepEqual(planned.items[0]!.verdict, { status: 'ok', reason: 'live table has the 2 services' });
  });

  it('plans only the lines a change needs once the table is listed, and touches no other service', () => {
    const changed = [WANTED[0]!, svc('tcp 10.0.0.9:80 wlc', '192.168.10.71:80 route 5')];
    const { planned } = plan(changed, LISTED);
    assert.deepEqual(planned.items[0]!.verdict, { status: 'change', reason: '1 change to reach the 2 services' });
    assert.deepEqual(
      planned.items[0]!.ipvsChanges?.map((c) => [c.op, c.service.vip]),
      [['edit-destination', '10.0.0.9']],
    );
  });

  it('reads a change back as done when the host then finds the live table to be the rules file', () => {
    const applied: PlannedItem = { kind: 'ipvs', table: WANTED, drainTimeouts: {}, roles: ['director-dr'], verdict: { status: 'change', reason: '1 change to reach the 2 services' } };
    const [readBack] = readBackItems([applied], plan(WANTED, MARKED).facts);
    assert.deepEqual(readBack!.verdict, { status: 'ok', reason: 'live table is the rules file lvsplay writes (2 services)' });
  });
});
