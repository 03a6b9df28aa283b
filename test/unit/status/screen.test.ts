import { strict as assert } from 'node:assert';
import { directorView } from '../../../src/status/drift.ts';
import { short, statusScreen } from '../../../src/status/screen.ts';
import type { DirectorReading } from '../../../src/facts/director-status.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import { holding, PAIR_READING, PAIR_WANTS, READING, WANTS } from './tables.ts';

/** Line by line, so that a failure shows the line that differs. */
function assertScreen(actual: string, expected: readonly string[]): void {
  assert.deepEqual(actual.split('\n'), expected);
}

describe('status: the screen', () => {
  it('a director with every kind of drift: a summary, then a table per service with its real servers', () => {
    assertScreen(statusScreen('dr.yml', new Date(0), [directorView(WANTS, READING)]), [
      'lvsplay status dr.yml at 1970-01-01T00:00:00.000Z',
      '',
      "lvs: IPVS loaded, 4 services (+1 not lvsplay's), 8 real servers (1 draining)",
      '  drift from the inventory: 1 scheduler differs, 1 weight differs, 2 real servers missing, 1 real server extra, 1 service missing, 1 service no longer in the inventory',
      '',
      '  tcp 192.168.10.100:80 wlc  25 conn/s, in 1.3MB/s, out 0B/s  scheduler wlc, inventory rr',
      '    real server           weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp               notes',
      '    rs1 192.168.10.71:80       1      12      1500   100k      25    1.3M        0  ok',
      '    rs2 192.168.10.72:80       0       2        40    23k       0       0        0  refused           draining, WEIGHT 0, inventory 2',
      '    rs3 192.168.10.73:80       -       -         -      -       -       -        -  timeout (2 s)     MISSING (inventory: weight 1)',
      '    192.168.10.99:80           1       0         0      -       -       -        -  No route to host  EXTRA (not in the inventory)',
      '',
      '  tcp 192.168.10.100:443  MISSING (not live)',
      '    real server            weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp  notes',
      '    rs1 192.168.10.71:443       -       -         -      -       -       -        -  ok   MISSING (inventory: weight 1)',
      '',
      '  udp 192.168.10.100:53 rr',
      '    real server           weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp  notes',
      '    rs1 192.168.10.71:53       1       0         3      -       -       -        -  -',
      '',
      "  tcp 10.0.0.5:80 sh persistent  not lvsplay's (left alone)",
      '    real server             weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp  notes',
      '    rs2 192.168.10.72:8000       5       1         0      -       -       -        -  ok',
      '',
      "  tcp 192.168.10.100:8080 rr  lvsplay's, no longer in the inventory (run deletes it)",
      '    real server             weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp  notes',
      '    rs1 192.168.10.71:8080       1       0         0      -       -       -        -  ok',
      '',
    ]);
  });

  it('a director without IPVS, ipvsadm or bash, and one unreachable', () => {
    const bare = directorView(WANTS, { ...READING, live: undefined, counters: { unavailable: 'IPVS not loaded' }, ipvsadmInstalled: false, owned: new Set(), tcp: undefined });
    const unreachable = { host: 'lvs2', state: 'unreachable', error: 'lvs2 (10.0.0.1:22): connection refused' } as const;
    assertScreen(statusScreen('dr.yml', new Date(0), [bare, unreachable]), [
      'lvsplay status dr.yml at 1970-01-01T00:00:00.000Z',
      '',
      'lvs: IPVS not loaded, 3 services, 5 real servers',
      '  drift from the inventory: 3 services missing, 5 real servers missing',
      '  IPVS not loaded (no /proc/net/ip_vs): no service is live; status did not load it',
      '  ipvsadm not installed: no traffic counters',
      '  real servers not checked: bash not installed',
      '',
      '  tcp 192.168.10.100:80  MISSING (not live)',
      '    real server           weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp  notes',
      '    rs1 192.168.10.71:80       -       -         -      -       -       -        -  -    MISSING (inventory: weight 1)',
      '    rs2 192.168.10.72:80       -       -         -      -       -       -        -  -    MISSING (inventory: weight 2)',
      '    rs3 192.168.10.73:80       -       -         -      -       -       -        -  -    MISSING (inventory: weight 1)',
      '',
      '  tcp 192.168.10.100:443  MISSING (not live)',
      '    real server            weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp  notes',
      '    rs1 192.168.10.71:443       -       -         -      -       -       -        -  -    MISSING (inventory: weight 1)',
      '',
      '  udp 192.168.10.100:53  MISSING (not live)',
      '    real server           weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp  notes',
      '    rs1 192.168.10.71:53       -       -         -      -       -       -        -  -    MISSING (inventory: weight 1)',
      '',
      'lvs2: unreachable: lvs2 (10.0.0.1:22): connection refused',
      '',
    ]);
  });

  it("a director of a pair: its VRRP state, keepalived's services, real servers out by health checks", () => {
    assertScreen(statusScreen('dr-pair.ts', new Date(0), [directorView(PAIR_WANTS, PAIR_READING)]), [
      'lvsplay status dr-pair.ts at 1970-01-01T00:00:00.000Z',
      '',
      'lvs: IPVS loaded, 3 services (3 by keepalived), 6 real servers, 2 real servers out by health checks',
      '  drift from the inventory: 1 real server missing',
      '  VRRP: MASTER (holds 192.168.10.100)',
      '',
      '  tcp 192.168.10.100:80 rr  managed by keepalived',
      '    real server           weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp      notes',
      '    rs1 192.168.10.71:80       1       3        10      -       -       -        -  ok',
      '    rs2 192.168.10.72:80       -       -         -      -       -       -        -  refused  out: health check',
      '',
      '  tcp 192.168.10.100:443 rr  managed by keepalived',
      '    real server            weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp      notes',
      '    rs1 192.168.10.71:443       1       0         0      -       -       -        -  ok',
      '    rs2 192.168.10.72:443       0       0         0      -       -       -        -  refused  out: health check',
      '',
      '  tcp 192.168.10.100:8080 rr  managed by keepalived',
      '    real server             weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp  notes',
      '    rs1 192.168.10.71:8080       1       0         0      -       -       -        -  ok',
      '    rs2 192.168.10.72:8080       -       -         -      -       -       -        -  ok   MISSING (inventory: weight 1)',
      '',
    ]);
  });

  it('says each VRRP state in a line of its own, naming the VIPs held and not, or why it was not read', () => {
    const two = { ...PAIR_WANTS, keepalived: { ...PAIR_WANTS.keepalived!, vrrp: { vips: ['192.168.10.100', '192.168.10.101'] as [IPv4, IPv4] } } };
    const line = (vrrp: DirectorReading['vrrp']): string | undefined =>
      statusScreen('dr-pair.ts', new Date(0), [directorView(two, { ...PAIR_READING, vrrp })])
        .split('\n')
        .find((l) => l.startsWith('  VRRP: '));
    assert.equal(line({ keepalived: 'active', addresses: holding('192.168.10.100', '192.168.10.101') }), '  VRRP: MASTER (holds 192.168.10.100, 192.168.10.101)');
    assert.equal(line({ keepalived: 'active', addresses: holding() }), '  VRRP: BACKUP (keepalived running, holds none of its VIPs)');
    assert.equal(line({ keepalived: 'active', addresses: holding('192.168.10.101') }), '  VRRP: PARTIAL (holds 192.168.10.101, not 192.168.10.100)');
    assert.equal(line({ keepalived: 'not-active', addresses: holding() }), '  VRRP: STOPPED (keepalived not running)');
    assert.equal(line({ keepalived: 'not-active', addresses: holding('192.168.10.100') }), '  VRRP: STOPPED (keepalived not running, yet holds 192.168.10.100)');
    assert.equal(
      line({ unavailable: "systemctl is-active keepalived.service said 'sh: 1: systemctl: not found'" }),
      "  VRRP: not read: systemctl is-active keepalived.service said 'sh: 1: systemctl: not found'",
    );
    assert.equal(line(undefined), undefined);
  });

  it('counts one real server out by a health check in the singular, beside a service not lvsplay’s', () => {
    const live = [...PAIR_READING.live!.slice(1), ...READING.live!.filter((s) => s.key === 'tcp 10.0.0.5:80')];
    const [head] = statusScreen('dr-pair.ts', new Date(0), [directorView(PAIR_WANTS, { ...PAIR_READING, live })])
      .split('\n')
      .slice(2);
    assert.equal(head, "lvs: IPVS loaded, 3 services (3 by keepalived, +1 not lvsplay's), 7 real servers, 1 real server out by a health check");
  });

  it('shortens large numbers as ipvsadm does, to keep columns narrow', () => {
    assert.deepEqual([0, 999, 1000, 1250, 12_345, 999_999, 1_250_000, 98_765_432_101].map(short), ['0', '999', '1.0k', '1.3k', '12k', '999k', '1.3M', '98G']);
  });
});
