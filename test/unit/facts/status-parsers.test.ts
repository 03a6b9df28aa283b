// The parsers of `lvsplay status` on output recorded from the lab (test/fixtures/facts/README.md: some are
// written from ipvsadm's source until the lab records them), and the TCP check run by a real shell.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { directorStatusScript, parseDirectorStatus } from '../../../src/facts/director-status.ts';
import { parseIpvsCounters } from '../../../src/facts/ipvs-counters.ts';
import { parseLiveIpvs } from '../../../src/facts/ipvs-live.ts';
import { parseTcpChecks, tcpCheckCommand } from '../../../src/facts/tcp-check.ts';
import { parseVrrp } from '../../../src/facts/vrrp.ts';

const recorded = (name: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/facts/${name}`, import.meta.url)), 'utf8');

/** The table of proc-net-ip_vs.txt as ipvsadm names it: the same services, the two listings share their keys. */
const KEYS = ['tcp 10.9.9.1:8080', 'tcp 172.16.10.81:443', 'udp 10.9.9.2:53', 'tcp 192.168.10.100:80', 'udp 192.168.10.100:53', 'fwmark 7'];

describe('status facts', () => {
  describe('/proc/net/ip_vs with connection counts', () => {
    it("reads every service in the kernel's order, fwmark and -o ones too, with weights and connections", () => {
      const live = parseLiveIpvs(recorded('proc-net-ip_vs.txt'));
      assert.deepEqual(
        live.map((s) => s.key),
        KEYS,
      );
      assert.deepEqual(
        live.map((s) => [s.scheduler, s.persistent]),
        [
          ['sh', true],
          ['wrr', true],
          ['rr', false],
          ['rr', false],
          ['wlc', false],
          ['rr', false],
        ],
      );
      assert.deepEqual(live[3]!.destinations, [
        { key: '192.168.10.72:80', address: '192.168.10.72', port: 80, forwarding: 'route', weight: 3, active: 0, inactive: 0 },
        { key: '192.168.10.71:80', address: '192.168.10.71', port: 80, forwarding: 'route', weight: 1, active: 0, inactive: 0 },
      ]);
      assert.deepEqual(
        live[0]!.destinations.map((d) => [d.key, d.forwarding, d.weight]),
        [['192.168.10.73:8080', 'tunnel', 5]],
      );
      assert.deepEqual(
        live[4]!.destinations.map((d) => d.weight),
        [0, 1],
      );
    });

    it('reads connection counts and IPv6 services as the kernel prints them (written from ip_vs_ctl.c)', () => {
      const live = parseLiveIpvs(
        [
          'IP Virtual Server version 1.2.1 (size=4096)',
          'Prot LocalAddress:Port Scheduler Flags',
          '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
          'TCP  C0A80A64:0050 wlc  ',
          '  -> C0A80A47:0050      Route   0      17         1234      ',
          'TCP  [2001:0db8:0000:0000:0000:0000:0000:0001]:0050 rr ',
          '  -> [2001:0db8:0000:0000:0000:0000:0000:0002]:0050      Masq    1      0          0         ',
          'FWM  00000009 rr ',
          '  -> [2001:0db8:0000:0000:0000:0000:0000:0003]:0000      Route   1      0          0         ',
          '',
        ].join('\n'),
      );
      assert.deepEqual(
        live.map((s) => s.key),
        ['tcp 192.168.10.100:80', 'tcp [2001:db8::1]:80', 'fwmark 9 ipv6'],
      );
      assert.deepEqual(
        live[0]!.destinations.map((d) => [d.weight, d.active, d.inactive]),
        [[0, 17, 1234]],
      );
      assert.equal(live[1]!.destinations[0]!.key, '[2001:db8::2]:80');
    });

    it('refuses a line it does not know, naming it', () => {
      const text = `${recorded('proc-net-ip_vs.txt')}TCP  C0A80A64 rr\n`;
      assert.throws(() => parseLiveIpvs(text), /^FactError: fact ipvs-live: unexpected line 'TCP {2}C0A80A64 rr'$/);
      assert.throws(() => parseLiveIpvs('  -> C0A80A47:0050      Route   1      0          0\n'), /a real server before any service/);
    });
  });

  describe('ipvsadm -Ln --stats/--rate --exact', () => {
    for (const [listing, file] of [
      ['stats', 'ipvsadm-Ln-stats-exact.txt'],
      ['rate', 'ipvsadm-Ln-rate-exact.txt'],
    ] as const) {
      it(`${listing}: the same services and real servers as /proc/net/ip_vs, by the same keys`, () => {
        const counters = parseIpvsCounters(listing, recorded(file));
        const live = parseLiveIpvs(recorded('proc-net-ip_vs.txt'));
        assert.deepEqual([...counters.keys()].sort(), [...KEYS].sort());
        for (const service of live) {
          assert.deepEqual([...counters.get(service.key)!.destinations.keys()].sort(), service.destinations.map((d) => d.key).sort(), service.key);
        }
        const zero = { connections: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0 };
        assert.deepEqual(counters.get('tcp 192.168.10.100:80')!.destinations.get('192.168.10.71:80'), zero);
      });
    }

    it('reads whole numbers of any width in their columns (written from print_largenum with FMT_EXACT)', () => {
      const counters = parseIpvsCounters(
        'stats',
        [
          'IP Virtual Server version 1.2.1 (size=4096)',
          'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
          '  -> RemoteAddress:Port',
          'TCP  192.168.10.100:80                 12      345 123456789 98765432101        0',
          '  -> 192.168.10.71:80                   7      200     1000 12345678901        0',
          'TCP  [2001:db8::1]:80                   1        2        3        4        5',
          '  -> [2001:db8::2]:80                   1        2        3        4        5',
          'FWM  9 IPv6                             0        0        0        0        0',
          '',
        ].join('\n'),
      );
      assert.deepEqual(counters.get('tcp 192.168.10.100:80')!.service, { connections: 12, inPackets: 345, outPackets: 123456789, inBytes: 98765432101, outBytes: 0 });
      assert.equal(counters.get('tcp 192.168.10.100:80')!.destinations.get('192.168.10.71:80')!.inBytes, 12345678901);
      assert.deepEqual([...counters.keys()], ['tcp 192.168.10.100:80', 'tcp [2001:db8::1]:80', 'fwmark 9 ipv6']);
      assert.deepEqual([...counters.get('tcp [2001:db8::1]:80')!.destinations.keys()], ['[2001:db8::2]:80']);
    });

    it("refuses the other listing's title, and a number without --exact (12K), naming the line", () => {
      assert.throws(() => parseIpvsCounters('rate', recorded('ipvsadm-Ln-stats-exact.txt')), /fact ipvs-rate: expected the rate title, got 'Prot LocalAddress:Port +Conns/);
      const rounded = recorded('ipvsadm-Ln-stats-exact.txt').replace('TCP  10.9.9.1:8080                       0', 'TCP  10.9.9.1:8080                     12K');
      assert.throws(() => parseIpvsCounters('stats', rounded), /^FactError: fact ipvs-stats: unexpected line 'TCP {2}10\.9\.9\.1:8080 +12K /);
    });
  });

  describe('the TCP check, run by a real sh in a network namespace of its own', () => {
    /** A namespace with only lo, up, holding 192.168.10.71: nothing listens there, 192.168.10.72 has no route. */
    const run = (script: string): string =>
      execFileSync('unshare', ['--map-root-user', '--net', 'sh', '-c', 'ip link set lo up && ip addr add 192.168.10.71/32 dev lo && sh -s'], { input: script, encoding: 'utf8' });

    it("says refused for a port nothing listens on, and the kernel's words for an address it cannot reach", () => {
      const checks = parseTcpChecks(
        run(
          tcpCheckCommand([
            { address: '192.168.10.71', port: 80 },
            { address: '192.168.10.72', port: 8080 },
          ]),
        ),
      );
      assert.deepEqual(Object.fromEntries(checks!), {
        '192.168.10.71:80': { result: 'refused' },
        '192.168.10.72:8080': { result: 'error', reason: 'Network is unreachable' },
      });
    });

    it('reads ok and timeout from their exit statuses, and a missing bash', () => {
      assert.deepEqual(Object.fromEntries(parseTcpChecks('10.0.0.1 80 0 \n10.0.0.2 80 124 \n')!), {
        '10.0.0.1:80': { result: 'ok' },
        '10.0.0.2:80': { result: 'timeout', seconds: 2 },
      });
      assert.equal(parseTcpChecks('@@no-bash\n'), undefined);
      assert.throws(() => parseTcpChecks('10.0.0.1 eighty 0\n'), /fact tcp-check: unexpected line '10\.0\.0\.1 eighty 0'/);
    });
  });

  describe('the status script', () => {
    it('on a host without ip_vs or ipvsadm: says so, runs nothing that loads ip_vs, still checks the real servers', () => {
      const script = directorStatusScript([{ address: '192.168.10.71', port: 80 }]);
      // Every ipvsadm call sits behind the test for /proc/net/ip_vs.
      const guarded = script.slice(script.indexOf('if [ -e /proc/net/ip_vs ]'));
      assert.equal(script.slice(0, script.indexOf('if [ -e /proc/net/ip_vs ]')).includes('ipvsadm -L'), false);
      assert.match(guarded, /^if \[ -e \/proc\/net\/ip_vs \]; then\ncat \/proc\/net\/ip_vs\n/);
      const output = execFileSync('unshare', ['--map-root-user', '--net', 'sh', '-c', 'ip link set lo up && ip addr add 192.168.10.71/32 dev lo && PATH=/usr/bin:/bin sh -s'], {
        input: script,
        encoding: 'utf8',
      });
      const reading = parseDirectorStatus(output);
      assert.equal(reading.live, undefined);
      assert.equal(reading.ipvsadmInstalled, false);
      assert.deepEqual(reading.counters, { unavailable: 'IPVS not loaded' });
      assert.deepEqual(Object.fromEntries(reading.tcp!), { '192.168.10.71:80': { result: 'refused' } });
    });

    it('on the lab director (status-script.txt): the table of proc-net-ip_vs.txt, its counters, a check of each TCP real server', () => {
      const reading = parseDirectorStatus(recorded('status-script.txt'));
      assert.equal(reading.ipvsadmInstalled, true);
      // In the kernel's hash order, which changes from boot to boot.
      assert.deepEqual(reading.live!.map((s) => s.key).sort(), [...KEYS].sort());
      assert.ok('stats' in reading.counters, JSON.stringify(reading.counters));
      assert.deepEqual([...reading.counters.rate.keys()].sort(), [...KEYS].sort());
      // The inventory's four and the live TCP services' five, once each; what each says depends on the lab's hosts.
      assert.deepEqual([...reading.tcp!.keys()].sort(), ['192.168.10.71:443', '192.168.10.71:80', '192.168.10.72:443', '192.168.10.72:80', '192.168.10.73:8080']);
      // Recorded before the script had a vrrp part (and asked of a director in no pair it still has none).
      assert.equal(reading.vrrp, undefined);
    });

    it("joins its parts: the live table, both listings, the rules file's services, the checks", () => {
      const output = [
        '@@lvsplay-status ipvsadm\nyes\n',
        `@@lvsplay-status ip_vs\n${recorded('proc-net-ip_vs.txt')}`,
        `@@lvsplay-status stats\n${recorded('ipvsadm-Ln-stats-exact.txt')}`,
        `@@lvsplay-status rate\n${recorded('ipvsadm-Ln-rate-exact.txt')}`,
        '@@lvsplay-status rules\n-A -t 192.168.10.100:80 -s rr\n-A -u 192.168.10.100:53 -s wlc\n',
        '@@lvsplay-status tcp\n192.168.10.71 80 0 \n',
      ].join('');
      const reading = parseDirectorStatus(output);
      assert.equal(reading.live!.length, 6);
      assert.deepEqual([...reading.owned], ['tcp 192.168.10.100:80', 'udp 192.168.10.100:53']);
      assert.ok('stats' in reading.counters && reading.counters.rate.has('fwmark 7'));
    });

    it('reports a failed listing instead of its counters, and refuses output it does not know', () => {
      const failed = parseDirectorStatus(
        '@@lvsplay-status ipvsadm\nyes\n@@lvsplay-status ip_vs\n' +
          recorded('proc-net-ip_vs.txt') +
          "@@lvsplay-status stats\nCan't initialize ipvs: Permission denied\n@@command-failed 2\n@@lvsplay-status rate\n@@command-failed 2\n" +
          '@@lvsplay-status rules\n@@lvsplay-status tcp\n@@no-bash\n',
      );
      assert.deepEqual(failed.counters, { unavailable: "ipvsadm -Ln --stats --exact failed (exit 2): Can't initialize ipvs: Permission denied" });
      assert.equal(failed.tcp, undefined);
      assert.throws(() => parseDirectorStatus('hello\n@@lvsplay-status ipvsadm\nyes\n'), /fact status: unexpected output before the first part: 'hello'/);
      assert.throws(() => parseDirectorStatus('@@lvsplay-status ipvsadm\nyes\n'), /fact status: the output has no 'ip_vs' part: the script stopped early/);
      const badRules = '@@lvsplay-status ipvsadm\nno\n@@lvsplay-status ip_vs\n@@no-ip_vs\n@@lvsplay-status rules\n-A -t 192.168.10.100:80 -s rr --bogus\n@@lvsplay-status tcp\n';
      assert.throws(() => parseDirectorStatus(badRules), /^FactError: fact status: \/etc\/sysconfig\/ipvsadm: ipvsadm-save line 1: /);
    });
  });

  describe("the status script's vrrp part (a director of a pair)", () => {
    /** status-script-vrrp.txt's addresses: the DIP and, as keepalived's MASTER holds it, the VIP on eth0. */
    const vrrpPart = (): string => recorded('status-script-vrrp.txt').split('@@lvsplay-status vrrp\n')[1]!;
    const addresses = (): string => vrrpPart().split('\n').slice(1).join('\n');

    it('is asked for only of a director of a pair', () => {
      assert.doesNotMatch(directorStatusScript([]), /vrrp|systemctl/);
      const lines = directorStatusScript([], { vrrp: true }).split('\n').slice(-3);
      assert.deepEqual(lines, [
        "echo '@@lvsplay-status vrrp'",
        `printf 'keepalived %s\\n' "$(systemctl is-active keepalived.service 2>&1 | head -n 1)"`,
        '{ ip -o -4 address show 2>&1 || echo "@@command-failed $?"; }',
      ]);
    });

    it('recorded on a machine without systemd (status-script-vrrp.txt): the addresses are there, the VRRP state unknown, and why', () => {
      const reading = parseDirectorStatus(recorded('status-script-vrrp.txt'));
      assert.equal(reading.ipvsadmInstalled, false);
      assert.equal(reading.live, undefined);
      assert.deepEqual(reading.vrrp, {
        unavailable: "systemctl is-active keepalived.service said 'System has not been booted with systemd as init system (PID 1). Can't operate.'",
      });
    });

    it("reads systemd's words for keepalived.service, and the VIP on eth0 beside the DIP", () => {
      const reading = parseVrrp(`keepalived active\n${addresses()}`);
      assert.ok('keepalived' in reading);
      assert.equal(reading.keepalived, 'active');
      assert.deepEqual(
        reading.addresses.map((a) => `${a.device} ${a.cidr.address}/${a.cidr.prefix}`),
        ['lo 127.0.0.1/8', 'eth0 192.168.10.81/24', 'eth0 192.168.10.100/32'],
      );
      // systemd's unit_active_state_table: a running unit's words, and the others.
      const state = (word: string) => {
        const read = parseVrrp(`keepalived ${word}\n${addresses()}`);
        return 'keepalived' in read ? read.keepalived : read.unavailable;
      };
      assert.deepEqual(['active', 'reloading', 'refreshing'].map(state), ['active', 'active', 'active']);
      assert.deepEqual(['inactive', 'failed', 'activating', 'deactivating', 'maintenance'].map(state), Array(5).fill('not-active'));
    });

    it('leaves the state unknown, saying why, when systemctl cannot answer or ip fails; refuses what it does not know', () => {
      // Recorded with a PATH without systemctl (dash's words); a systemctl that printed nothing and a failed ip written by hand.
      assert.deepEqual(parseVrrp(`keepalived /bin/sh: 2: systemctl: not found\n${addresses()}`), { unavailable: "systemctl is-active keepalived.service said '/bin/sh: 2: systemctl: not found'" });
      assert.deepEqual(parseVrrp(`keepalived \n${addresses()}`), { unavailable: 'systemctl is-active keepalived.service printed nothing' });
      assert.deepEqual(parseVrrp('keepalived active\nCannot open netlink socket: Permission denied\n@@command-failed 1\n'), {
        unavailable: 'ip -o -4 address show failed (exit 1): Cannot open netlink socket: Permission denied',
      });
      assert.throws(() => parseVrrp(addresses()), /^FactError: fact vrrp: expected 'keepalived <state>' first, got '1: lo {4}inet 127\.0\.0\.1\/8 /);
      assert.throws(() => parseVrrp('keepalived active\n3: eth0    inet 192.168.10.300/32 scope global eth0\n'), /^FactError: fact addresses: unexpected line/);
    });

    // On lo, which every namespace has (a veth needs its kernel module): any interface holding the VIP counts.
    it('runs in sh: the DIP and VIP read back, keepalived as a stub systemctl says', () => {
      const stub = mkdtempSync(join(tmpdir(), 'lvsplay-systemctl-'));
      try {
        writeFileSync(join(stub, 'systemctl'), '#!/bin/sh\n[ "$*" = "is-active keepalived.service" ] && echo inactive && exit 3\nexit 1\n', { mode: 0o755 });
        const setup = 'ip link set lo up && ip addr add 192.168.10.81/24 dev lo && ip addr add 192.168.10.100/32 dev lo';
        const output = execFileSync('unshare', ['--map-root-user', '--net', 'sh', '-c', `${setup} && PATH=${stub}:/usr/sbin:/usr/bin:/sbin:/bin sh -s`], {
          input: directorStatusScript([], { vrrp: true }),
          encoding: 'utf8',
        });
        const { vrrp } = parseDirectorStatus(output);
        assert.ok(vrrp && 'keepalived' in vrrp, JSON.stringify(vrrp));
        assert.equal(vrrp.keepalived, 'not-active');
        assert.deepEqual(
          vrrp.addresses.map((a) => a.cidr.address),
          ['127.0.0.1', '192.168.10.81', '192.168.10.100'],
        );
      } finally {
        rmSync(stub, { recursive: true, force: true });
      }
    });
  });
});
