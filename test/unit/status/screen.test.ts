import { strict as assert } from 'node:assert';
import { directorView } from '../../../src/status/drift.ts';
import { short, statusScreen } from '../../../src/status/screen.ts';
import { READING, WANTS } from './tables.ts';

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

  it('shortens large numbers as ipvsadm does, to keep columns narrow', () => {
    assert.deepEqual([0, 999, 1000, 1250, 12_345, 999_999, 1_250_000, 98_765_432_101].map(short), ['0', '999', '1.0k', '1.3k', '12k', '999k', '1.3M', '98G']);
  });
});
