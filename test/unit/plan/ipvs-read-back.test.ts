// Reading IPVS changes back from /proc/net/ip_vs: the parser on output recorded from a lab director, and
// the check of the services a delta touched.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IpvsItem } from '../../../src/desired/state.ts';
import { ipvsProcFact, parseProcIpvs } from '../../../src/facts/ipvs-proc.ts';
import { ipvsDelta } from '../../../src/ipvs/delta.ts';
import { serviceKey, type IpvsTable } from '../../../src/ipvs/table.ts';
import { procReadBack, procShowsChanges, verifyIpvsChanges } from '../../../src/plan/ipvs-read-back.ts';
import { svc } from '../ipvs/helpers.ts';

const recorded = readFileSync(fileURLToPath(new URL('../../fixtures/facts/proc-net-ip_vs.txt', import.meta.url)), 'utf8');

describe('/proc/net/ip_vs, recorded on a lab director', () => {
  it('IPv4 TCP/UDP and firewall-mark services with scheduler, persistence on or off, and real servers', () => {
    const table = parseProcIpvs(recorded)!;
    assert.deepEqual([...table.keys()], ['tcp 10.9.9.1:8080', 'tcp 172.16.10.81:443', 'udp 10.9.9.2:53', 'tcp 192.168.10.100:80', 'udp 192.168.10.100:53', 'fwmark 7']);
    assert.deepEqual(Object.fromEntries(table.get('fwmark 7')!.destinations), { '192.168.10.74:0': { forwarding: 'route', weight: 1 } });
    const nat = table.get('tcp 172.16.10.81:443')!;
    assert.equal(nat.scheduler, 'wrr');
    assert.equal(nat.persistent, true);
    assert.deepEqual(Object.fromEntries(nat.destinations), { '192.168.10.72:443': { forwarding: 'masq', weight: 2 }, '192.168.10.71:443': { forwarding: 'masq', weight: 1 } });
    assert.equal(table.get('tcp 192.168.10.100:80')!.persistent, false);
    assert.deepEqual(table.get('udp 192.168.10.100:53')!.destinations.get('192.168.10.72:53'), { forwarding: 'route', weight: 0 });
    assert.deepEqual(table.get('tcp 10.9.9.1:8080')!.destinations.get('192.168.10.73:8080'), { forwarding: 'tunnel', weight: 5 });
    // -o shows as `ops` after the scheduler: the read-back checks it.
    assert.deepEqual(
      [...table].filter(([, s]) => s.onePacket).map(([key]) => key),
      ['udp 10.9.9.2:53'],
    );
  });

  it('the fact filters the file on the host to the services asked for, with their real servers', () => {
    const fixture = fileURLToPath(new URL('../../fixtures/facts/proc-net-ip_vs.txt', import.meta.url));
    const fact = ipvsProcFact([svc('tcp 172.16.10.81:443 wrr'), svc('udp 192.168.10.100:53 wlc'), svc('tcp 10.1.1.1:80 rr')]);
    const output = execFileSync('sh', ['-s'], { input: fact.command.replaceAll('/proc/net/ip_vs', fixture), encoding: 'utf8' });
    assert.deepEqual(output.split('\n').filter(Boolean), [
      'TCP  AC100A51:01BB wrr  persistent 75000 FFFFFFFF',
      '  -> C0A80A48:01BB      Masq    2      0          0         ',
      '  -> C0A80A47:01BB      Masq    1      0          0         ',
      'UDP  C0A80A64:0035 wlc  ',
      '  -> C0A80A48:0035      Route   0      0          0         ',
      '  -> C0A80A47:0035      Route   1      0          0         ',
    ]);
    assert.deepEqual([...fact.parse(output)!.keys()], ['tcp 172.16.10.81:443', 'udp 192.168.10.100:53']);
  });

  it('no ip_vs module: nothing live; anything else unexpected is an error', () => {
    assert.equal(parseProcIpvs('@@no-ip_vs\n'), undefined);
    assert.throws(() => parseProcIpvs('TCP  C0A80A64:0050 rr  \nnonsense\n'), /unexpected line 'nonsense'/);
  });
});

describe('reading back an IPVS delta from /proc/net/ip_vs', () => {
  const before: IpvsTable = [svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 3'), svc('udp 192.168.10.100:53 wlc', '192.168.10.71:53 route 1')];
  const wanted: IpvsTable = [svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 1'), svc('tcp 192.168.10.100:443 wlc', '192.168.10.71:443 route 1')];
  const owned = new Set([...before, ...wanted].map(serviceKey));
  const changes = ipvsDelta(before, wanted, owned, new Set());
  const item: IpvsItem = { kind: 'ipvs', table: wanted, drainTimeouts: {} };
  const proc = (lines: string[]) => parseProcIpvs(['IP Virtual Server version 1.2.1 (size=4096)', ...lines, ''].join('\n'));

  it('ok when every touched service is live as wanted', () => {
    const live = proc([
      'TCP  C0A80A64:0050 rr  ',
      '  -> C0A80A48:0050      Route   1      0          0         ',
      '  -> C0A80A47:0050      Route   1      0          0         ',
      'TCP  C0A80A64:01BB wlc  ',
      '  -> C0A80A47:01BB      Route   1      0          0         ',
    ]);
    assert.deepEqual(verifyIpvsChanges(item, changes, live), { status: 'ok', reason: 'the 3 services changed are live as wanted' });
  });

  it('names what did not take: a weight, a service still live, one missing', () => {
    const live = proc([
      'TCP  C0A80A64:0050 rr  ',
      '  -> C0A80A48:0050      Route   3      0          0         ',
      '  -> C0A80A47:0050      Route   1      0          0         ',
      'UDP  C0A80A64:0035 wlc  ',
    ]);
    const verdict = verifyIpvsChanges(item, changes, live);
    assert.equal(verdict.status, 'change');
    assert.equal(verdict.reason, 'tcp 192.168.10.100:443 is not live; tcp 192.168.10.100:80 → 192.168.10.72:80 is route weight 3, wants route weight 1; udp 192.168.10.100:53 is still live');
  });

  it('a persistence timeout is not in /proc (kernel ticks there): such a change is read back with ipvsadm-save', () => {
    assert.equal(procShowsChanges(changes), true);
    const persistent = ipvsDelta(before, [svc('tcp 192.168.10.100:80 rr 300', '192.168.10.71:80 route 1', '192.168.10.72:80 route 3')], owned, new Set());
    assert.equal(procShowsChanges(persistent), false);
  });
});

describe('reading back an IPVS delta from /proc/net/ip_vs: what else it names', () => {
  const wanted = svc('tcp 192.168.10.100:80 rr 300', '192.168.10.71:80 route 1', '192.168.10.72:80 route 1');
  const item: IpvsItem = { kind: 'ipvs', table: [wanted], drainTimeouts: {} };
  const changes = ipvsDelta([], [wanted], new Set(), new Set());
  const proc = (lines: string[]) => parseProcIpvs(['IP Virtual Server version 1.2.1 (size=4096)', ...lines, ''].join('\n'));

  it('a scheduler, persistence, a forwarding method, a real server missing and one still live, three at most and how many more', () => {
    const live = proc(['TCP  C0A80A64:0050 wlc  ', '  -> C0A80A47:0050      Masq    1      0          0         ', '  -> C0A80A49:0050      Route   1      0          0         ']);
    assert.deepEqual(verifyIpvsChanges(item, changes, live), {
      status: 'change',
      reason: 'tcp 192.168.10.100:80 schedules wlc, wants rr; tcp 192.168.10.100:80 is not persistent; tcp 192.168.10.100:80 → 192.168.10.71:80 is masq weight 1, wants route weight 1 (and 2 more)',
    });
    const rest = proc([
      'TCP  C0A80A64:0050 rr  persistent 30000 FFFFFFFF',
      '  -> C0A80A47:0050      Route   1      0          0         ',
      '  -> C0A80A49:0050      Route   1      0          0         ',
    ]);
    assert.deepEqual(verifyIpvsChanges(item, changes, rest), {
      status: 'change',
      reason: 'tcp 192.168.10.100:80 → 192.168.10.72:80 is not live; tcp 192.168.10.100:80 → 192.168.10.73:80 is still live',
    });
  });

  it('a service persistent that should not be, and nothing live at all when ip_vs is not loaded', () => {
    const plain = svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1');
    const live = proc(['TCP  C0A80A64:0050 rr  persistent 30000 FFFFFFFF', '  -> C0A80A47:0050      Route   1      0          0         ']);
    const plainChanges = ipvsDelta([], [plain], new Set(), new Set());
    assert.deepEqual(verifyIpvsChanges({ kind: 'ipvs', table: [plain], drainTimeouts: {} }, plainChanges, live), { status: 'change', reason: 'tcp 192.168.10.100:80 is persistent' });
    assert.deepEqual(verifyIpvsChanges(item, changes, parseProcIpvs('@@no-ip_vs\n')), { status: 'change', reason: 'tcp 192.168.10.100:80 is not live' });
  });

  it('/proc proves an edit that leaves persistence off, not one that turns it off; it reads each touched service once', () => {
    const off = svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1');
    const on = svc('tcp 192.168.10.100:80 rr 300', '192.168.10.71:80 route 1');
    const wlc = svc('tcp 192.168.10.100:80 wlc', '192.168.10.71:80 route 2', '192.168.10.72:80 route 1');
    const owned = new Set([serviceKey(off)]);
    assert.equal(procShowsChanges(ipvsDelta([off], [wlc], owned, new Set())), true);
    assert.equal(procShowsChanges(ipvsDelta([on], [off], owned, new Set())), false);
    assert.deepEqual(procReadBack(ipvsDelta([off], [wlc], owned, new Set())), [{ protocol: 'tcp', vip: '192.168.10.100', port: 80 }]);
    assert.equal(procReadBack(ipvsDelta([on], [off], owned, new Set())), undefined);
  });
});
