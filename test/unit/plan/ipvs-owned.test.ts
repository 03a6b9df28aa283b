// Which live IPVS services are lvsplay's to change or delete: those it wants, and those in the rules file it
// persisted last. A live service in neither is someone else's, left alone and named.
import { strict as assert } from 'node:assert';
import type { HostState } from '../../../src/desired/state.ts';
import type { IpvsFacts } from '../../../src/facts/ipvs.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import { formatChange } from '../../../src/ipvs/format.ts';
import type { IpvsTable } from '../../../src/ipvs/table.ts';
import { planHost, type UnmanagedService } from '../../../src/plan/plan.ts';
import { svc } from '../ipvs/helpers.ts';
import { NO_FACTS } from './no-facts.ts';

const LVS: Host = { name: 'lvs', ssh: { host: 'lvs', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['director-dr'], extraAddresses: [] };

const A = svc('tcp 10.0.0.8:80 rr', '192.168.10.71:80 route 1');
const B = svc('tcp 10.0.0.9:80 wlc', '192.168.10.72:80 route 1');
const C = svc('tcp 10.0.0.10:80 rr', '192.168.10.71:80 route 1');

/** One case: the live table, the rules file lvsplay persisted last, the desired table, and what the plan must say. */
const CASES: { name: string; live: IpvsTable; persisted: IpvsTable; desired: IpvsTable; changes: string[]; unmanaged: UnmanagedService[]; handlers: [] }[] = [
  {
    name: 'deletes a live service of its rules file no longer wanted, and leaves one not in it alone, naming it',
    live: [A, B],
    persisted: [A],
    desired: [C],
    changes: ['-A -t 10.0.0.10:80 -s rr', '-a -t 10.0.0.10:80 -r 192.168.10.71:80 -g -w 1', '-D -t 10.0.0.8:80'],
    unmanaged: [{ service: 'tcp 10.0.0.9:80', kind: 'not-owned' }],
    handlers: [],
  },
  {
    name: 'deletes every live service of its rules file no longer wanted; nothing is left alone',
    live: [A, B],
    persisted: [A, B],
    desired: [C],
    changes: ['-A -t 10.0.0.10:80 -s rr', '-a -t 10.0.0.10:80 -r 192.168.10.71:80 -g -w 1', '-D -t 10.0.0.8:80', '-D -t 10.0.0.9:80'],
    unmanaged: [],
    handlers: [],
  },
  {
    name: 'with no rules file yet, deletes nothing live and names each service not wanted',
    live: [A, B],
    persisted: [],
    desired: [C],
    changes: ['-A -t 10.0.0.10:80 -s rr', '-a -t 10.0.0.10:80 -r 192.168.10.71:80 -g -w 1'],
    unmanaged: [
      { service: 'tcp 10.0.0.8:80', kind: 'not-owned' },
      { service: 'tcp 10.0.0.9:80', kind: 'not-owned' },
    ],
    handlers: [],
  },
];

describe('IPVS services lvsplay owns: wanted, or in the rules file it persisted', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const state: HostState = { host: LVS, roles: ['director-dr'], items: [{ kind: 'ipvs', table: c.desired, roles: ['director-dr'] }] };
      // Listed in full (liveIsRulesFile false): the steady-state shortcut would skip the delta.
      const ipvs: IpvsFacts = { moduleLoaded: true, live: c.live, foreign: new Map(), persisted: c.persisted, liveIsRulesFile: false };
      const planned = planHost(state, { ...NO_FACTS, ipvs });
      assert.equal(planned.items[0]!.verdict.status, 'change');
      assert.deepEqual(planned.items[0]!.ipvsChanges?.map(formatChange), c.changes);
      assert.deepEqual(planned.unmanaged, c.unmanaged);
      assert.deepEqual(planned.handlers, c.handlers);
    });
  }
});
