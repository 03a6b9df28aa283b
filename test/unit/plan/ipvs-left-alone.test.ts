// IPVS services lvsplay leaves alone, from the facts as ipvsadm prints them to the recap and JSON lines that
// say which and why: someone else's, or with settings lvsplay cannot express (a non-contiguous -M, a GUE tunnel).
import { strict as assert } from 'node:assert';
import type { HostState } from '../../../src/desired/state.ts';
import { parseIpvsFacts } from '../../../src/facts/ipvs.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import { formatChange } from '../../../src/ipvs/format.ts';
import type { IpvsTable } from '../../../src/ipvs/table.ts';
import { planHost, type HostPlan } from '../../../src/plan/plan.ts';
import { jsonReport, recap } from '../../../src/report/recap.ts';
import type { HostResult } from '../../../src/run/outcome.ts';
import { svc } from '../ipvs/helpers.ts';
import { NO_FACTS } from './no-facts.ts';

const LVS: Host = { name: 'lvs', ssh: { host: 'lvs', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['director-dr'], extraAddresses: [], state: 'present' };

/** `ipvsadm-save -n` on a director others use too. */
const SAVE = [
  '-A -t 172.16.10.81:443 -s wrr',
  '-a -t 172.16.10.81:443 -r 192.168.10.71:443 -m -w 1',
  '-A -t 10.0.0.5:80 -s rr -p 300 -M 255.0.255.0',
  // Since issue 14 lvsplay can express this one: someone else's, then.
  '-A -u 10.0.0.5:5060 -s rr -p 60 --pe sip',
  '-A -t 10.0.0.6:80 -s sh',
  '-a -t 10.0.0.6:80 -r 192.168.10.73:80 -i -w 1 --tun-type gue --tun-port 6080',
  '-A -t 10.0.0.8:80 -s rr',
  '-a -t 10.0.0.8:80 -r 192.168.10.71:80 -g -w 1',
  '-a -t 10.0.0.8:80 -r 192.168.10.72:80 -g -w 1',
  '',
].join('\n');

/** The rules file lvsplay wrote last: tcp 10.0.0.8:80 was its own. */
const PERSISTED = '-A -t 10.0.0.8:80 -s rr\n-a -t 10.0.0.8:80 -r 192.168.10.71:80 -g -w 1\n-a -t 10.0.0.8:80 -r 192.168.10.72:80 -g -w 1\n';

function plan(desired: IpvsTable, keepalived?: IpvsTable): HostPlan {
  const item = { kind: 'ipvs' as const, table: desired, drainTimeouts: {}, ...(keepalived && { keepalived }), roles: ['director-dr' as const] };
  const state: HostState = { host: LVS, roles: ['director-dr'], items: [item] };
  return planHost(state, { ...NO_FACTS, ipvs: parseIpvsFacts(`${SAVE}@@persisted\n${PERSISTED}`, desired) });
}

/** What `--check` reports for the plan (HostRun.plannedResult). */
function checked(planned: HostPlan): HostResult {
  const items = planned.items.map((item) => ({
    item,
    status: item.verdict.status === 'ok' ? ('ok' as const) : item.verdict.status === 'fail' ? ('failed' as const) : ('would change' as const),
    reason: item.verdict.reason,
  }));
  return { host: 'lvs', status: items.some((i) => i.status === 'failed') ? 'failed' : 'changed', items, unmanaged: planned.unmanaged, diffs: [] };
}

const WHY = 'lvsplay cannot express it, so never edits or deletes it';

describe('IPVS services left alone, and why', () => {
  it("names in the recap each service not lvsplay's, and each it cannot express, with the setting; its own one no longer wanted is deleted", () => {
    const planned = plan([svc('tcp 10.0.0.9:80 rr', '192.168.10.71:80 route 1')]);
    // tcp 10.0.0.8:80 is in the rules file lvsplay wrote and no longer wanted.
    assert.deepEqual(planned.items[0]!.ipvsChanges?.map(formatChange), ['-A -t 10.0.0.9:80 -s rr', '-a -t 10.0.0.9:80 -r 192.168.10.71:80 -g -w 1', '-D -t 10.0.0.8:80']);
    assert.equal(
      recap([checked(planned)], true),
      [
        'RECAP (check: nothing was changed)',
        'lvs : ok=0 would-change=1 unreachable=0 failed=0 not-run=0',
        "lvs: left alone: IPVS service tcp 172.16.10.81:443 is not lvsplay's (not in its inventory or rules file)",
        "lvs: left alone: IPVS service udp 10.0.0.5:5060 is not lvsplay's (not in its inventory or rules file)",
        `lvs: left alone: IPVS service tcp 10.0.0.5:80 (-M 255.0.255.0): ${WHY}`,
        `lvs: left alone: IPVS service tcp 10.0.0.6:80 (--tun-port 6080 on 192.168.10.73:80): ${WHY}`,
        '',
      ].join('\n'),
    );
  });

  it('gives the same in the JSON report, each with its kind and reason', () => {
    const report = JSON.parse(jsonReport([checked(plan([]))], true, 'run-1'));
    assert.deepEqual(report.hosts[0].unmanaged, [
      { service: 'tcp 172.16.10.81:443', kind: 'not-owned' },
      { service: 'udp 10.0.0.5:5060', kind: 'not-owned' },
      { service: 'tcp 10.0.0.5:80', kind: 'unsupported', reason: '-M 255.0.255.0' },
      { service: 'tcp 10.0.0.6:80', kind: 'unsupported', reason: '--tun-port 6080 on 192.168.10.73:80' },
    ]);
  });

  it('fails the IPVS item, naming the setting, when a wanted service is live with one it cannot express', () => {
    // The inventory also wants weight 2 on one real server of its own service: a failed item is not applied at all.
    const planned = plan([svc('tcp 10.0.0.8:80 rr', '192.168.10.71:80 route 2', '192.168.10.72:80 route 1'), svc('tcp 10.0.0.5:80 rr', '192.168.10.71:80 route 1'), svc('tcp 10.0.0.6:80 sh')]);
    assert.equal(planned.items[0]!.verdict.status, 'fail');
    assert.equal(
      recap([checked(planned)], true),
      [
        'RECAP (check: nothing was changed)',
        'lvs : ok=0 would-change=0 unreachable=0 failed=1 not-run=0',
        'lvs: failed: IPVS table (3 services): tcp 10.0.0.5:80 (-M 255.0.255.0), tcp 10.0.0.6:80 (--tun-port 6080 on 192.168.10.73:80) are live with settings ' +
          'lvsplay cannot express; undo those settings or delete them by hand, or rename them in the inventory',
        "lvs: left alone: IPVS service tcp 172.16.10.81:443 is not lvsplay's (not in its inventory or rules file)",
        "lvs: left alone: IPVS service udp 10.0.0.5:5060 is not lvsplay's (not in its inventory or rules file)",
        '',
      ].join('\n'),
    );
    assert.deepEqual(plan([svc('tcp 10.0.0.6:80 sh')]).items[0]!.verdict, {
      status: 'fail',
      reason: 'tcp 10.0.0.6:80 (--tun-port 6080 on 192.168.10.73:80) is live with settings lvsplay cannot express; undo those settings or delete it by hand, or rename it in the inventory',
    });
  });

  it("leaves keepalived's services to it, even one lvsplay wrote before, with other real servers than live", () => {
    // tcp 10.0.0.8:80 is in lvsplay's last rules file; the inventory has since given it to keepalived.
    const planned = plan([], [svc('tcp 10.0.0.8:80 wlc', '192.168.10.73:80 route 5')]);
    assert.deepEqual(planned.items[0]!.ipvsChanges, []);
    assert.deepEqual(planned.items[0]!.verdict.status, 'ok');
    assert.deepEqual(planned.unmanaged[0], { service: 'tcp 10.0.0.8:80', kind: 'keepalived' });
    assert.ok(!planned.unmanaged.some((u) => u.service === 'tcp 10.0.0.8:80' && u.kind !== 'keepalived'));
  });
});
