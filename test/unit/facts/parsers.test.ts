// Fact parsers on output recorded from the lab's real hosts (test/fixtures/facts/README.md says how).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAddresses } from '../../../src/facts/addresses.ts';
import { parseFileStates } from '../../../src/facts/files.ts';
import { ipvsFact, parseIpvsFacts, unpackIpvsOutput } from '../../../src/facts/ipvs.ts';
import { parseLinks } from '../../../src/facts/links.ts';
import { parseModules } from '../../../src/facts/modules.ts';
import { osReleaseFact, parseOsRelease } from '../../../src/facts/os-release.ts';
import { parseDefaultRoute } from '../../../src/facts/route.ts';
import { parseSysctl, sysctlFact } from '../../../src/facts/sysctl.ts';
import { parseSystemdVersion, systemdVersionFact } from '../../../src/facts/systemd.ts';
import { parseUnits } from '../../../src/facts/units.ts';
import { serviceKey } from '../../../src/ipvs/table.ts';

const recorded = (name: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/facts/${name}`, import.meta.url)), 'utf8');

/** The live part of the ipvs fact's output as the host sends it: the listing through `gzip -1 | base64`. */
function packedLive(save: string): string {
  return execFileSync('sh', ['-c', 'gzip -1 | base64'], { input: save, encoding: 'utf8' });
}

describe('fact parsers on recorded output', () => {
  it('ip -o addr: each IPv4 address with its device and label (lo:1 for a VIP)', () => {
    const addresses = parseAddresses(recorded('ip-o-addr.txt'));
    assert.deepEqual(
      addresses.map((a) => `${a.device} ${a.cidr.address}/${a.cidr.prefix} ${a.label}`),
      ['lo 127.0.0.1/8 lo', 'lo 192.168.10.100/32 lo:1', 'eth0 192.168.10.81/24 eth0', 'eth1 10.0.2.15/24 eth1'],
    );
  });

  it('links: tunl0 missing before ipip is loaded, down once it is, up after ip link set up; lo up throughout', () => {
    const states = (file: string) => Object.fromEntries(parseLinks(recorded(file)));
    assert.deepEqual(states('links-tunl0-missing.txt'), { tunl0: 'missing', lo: 'up' });
    assert.deepEqual(states('links-tunl0-down.txt'), { tunl0: 'down', lo: 'up' });
    assert.deepEqual(states('links-tunl0-up.txt'), { tunl0: 'up', lo: 'up' });
    assert.throws(() => parseLinks('tunl0 up\n'), /unexpected line 'tunl0 up'/);
  });

  it('ip -o -4 addr: a TUN VIP is on device tunl0 with label tunl0:1', () => {
    const addresses = parseAddresses(recorded('ip-o-4-addr-tunl0.txt'));
    assert.ok(
      addresses.some((a) => a.device === 'tunl0' && a.cidr.address === '192.168.10.100' && a.cidr.prefix === 32 && a.label === 'tunl0:1'),
      JSON.stringify(addresses),
    );
  });

  it('ip route show default: the gateway', () => {
    assert.equal(parseDefaultRoute(recorded('ip-route-default.txt')), '192.168.10.200');
    assert.equal(parseDefaultRoute(''), undefined);
  });

  it('systemctl show: load, active and unit file state, also for a unit that does not exist', () => {
    const units = parseUnits(recorded('systemctl-show.txt'), ['ssh.service', 'nonexistent.service']);
    assert.deepEqual(Object.fromEntries(units), {
      'ssh.service': { load: 'loaded', active: 'active', unitFile: 'enabled' },
      'nonexistent.service': { load: 'not-found', active: 'inactive', unitFile: '' },
    });
  });

  it('os-release: id and name', () => {
    assert.deepEqual(parseOsRelease(recorded('os-release.txt')), { id: 'debian', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
  });

  it("ipvsadm-save -n: the live table in ipvsadm's sort order, and the persisted file", () => {
    const facts = parseIpvsFacts(`${recorded('ipvsadm-save-n.txt')}@@persisted\n-A -t 192.168.10.100:80 -s rr\n`);
    assert.equal(facts.moduleLoaded, true);
    assert.deepEqual(facts.live.map(serviceKey), ['tcp 172.16.10.81:443', 'tcp 192.168.10.100:80', 'udp 192.168.10.100:53']);
    assert.equal(facts.live[0]!.persistence, 300);
    assert.deepEqual(
      facts.live[1]!.destinations.map((d) => [d.address, d.forwarding, d.weight]),
      [
        ['192.168.10.71', 'route', 1],
        ['192.168.10.72', 'route', 3],
      ],
    );
    assert.deepEqual([...facts.persisted], ['tcp 192.168.10.100:80']);
  });

  it('ipvsadm-save -n: an empty table, and no ip_vs module at all', () => {
    assert.deepEqual(parseIpvsFacts(`${recorded('ipvsadm-save-n-empty.txt')}@@persisted\n`).live, []);
    const none = parseIpvsFacts('@@no-ip_vs\n@@persisted\n');
    assert.equal(none.moduleLoaded, false);
    assert.deepEqual(none.live, []);
  });

  it('systemctl --version: the major version, unknown without systemctl', () => {
    assert.equal(parseSystemdVersion(recorded('systemctl-version.txt')), 252);
    assert.equal(parseSystemdVersion(''), undefined);
    assert.throws(() => parseSystemdVersion('upstart 1.2\n'), /unexpected line 'upstart 1.2'/);
  });

  it('systemd version: asked only when a unit file is missing', () => {
    const run = (paths: string[]) => execFileSync('sh', ['-s'], { input: systemdVersionFact(paths).command, encoding: 'utf8' });
    assert.equal(run(['/etc/os-release']), '', 'every unit file there: no systemctl');
    assert.equal(run([]), '');
    assert.match(systemdVersionFact(['/etc/os-release', '/nonexistent']).command, /\[ ! -e \/nonexistent \]; then systemctl --version/);
  });

  it('os-release: the fact run on this machine reads the file as cat would', () => {
    const output = execFileSync('sh', ['-s'], { input: osReleaseFact.command, encoding: 'utf8' });
    const file = existsSync('/etc/os-release') ? '/etc/os-release' : '/usr/lib/os-release';
    assert.equal(output.trimEnd(), readFileSync(file, 'utf8').trimEnd());
  });

  it('ipvs fact: the live table as the host packs it (gzip | base64), the rules file skipped when it is as desired', () => {
    const save = recorded('ipvsadm-save-n.txt');
    const packed = packedLive(save);
    const desired = parseIpvsFacts(`${save}@@persisted\n`).live.slice(0, 1);
    const fact = ipvsFact({ table: desired, rulesSha256: 'f'.repeat(64) });
    assert.match(fact.command, /sha256sum < \/etc\/sysconfig\/ipvsadm/);
    const facts = fact.parse(`${packed}@@persisted\n@@as-desired\n`);
    assert.deepEqual(facts.live, parseIpvsFacts(`${save}@@persisted\n`).live);
    assert.deepEqual(facts.persisted, new Set(desired.map(serviceKey)));
    assert.equal(unpackIpvsOutput('@@no-ip_vs\n@@persisted\n'), '@@no-ip_vs\n@@persisted\n');
  });

  it("ipvs fact: a persisted rules file that differs sends its services' lines, gzipped too", () => {
    const save = recorded('ipvsadm-save-n.txt');
    const rules = execFileSync('sh', ['-c', "grep '^-A ' | gzip -1 | base64"], { input: save, encoding: 'utf8' });
    const facts = ipvsFact({ table: [] }).parse(`${packedLive(save)}@@persisted\n${rules}`);
    assert.deepEqual(facts.persisted, new Set(facts.live.map(serviceKey)));
    assert.equal(facts.persisted.size, 3);
  });

  it('ipvs fact: a failed ipvsadm-save or a cut stream is an error, never an empty table', () => {
    const saveFailed = packedLive('@@command-failed 2\n');
    assert.throws(() => unpackIpvsOutput(`${saveFailed}@@persisted\n`), /^FactError: fact ipvs: ipvsadm-save -n failed \(exit 2\): no output$/);
    const whole = packedLive(recorded('ipvsadm-save-n.txt'));
    assert.throws(() => unpackIpvsOutput(`${whole.slice(0, 40)}\n@@persisted\n`), /the live table did not arrive whole/);
  });

  it('ipvs fact: its command is valid sh and bash', () => {
    for (const rules of [{ rulesSha256: 'f'.repeat(64) }, {}]) {
      const { command } = ipvsFact({ table: [], ...rules });
      for (const shell of ['dash', 'bash']) execFileSync(shell, ['-n'], { input: command });
    }
    // Without a rules file to compare with, the table is listed as it streams.
    assert.match(ipvsFact({ table: [] }).command, /^\{ ipvsadm-save -n \|\| echo "@@command-failed \$\?"; \} \| gzip -1 \| base64$/m);
  });

  it('ipvs fact: -M, -b, -o and a fwmark service are read (issue 14); a threshold it does not show', () => {
    const save = recorded('ipvsadm-save-n-thresholds.txt');
    const facts = ipvsFact({ table: [] }).parse(`${packedLive(save)}@@persisted\n`);
    assert.deepEqual(facts.foreign, new Map());
    assert.deepEqual(
      facts.live.find((s) => s.fwmark === 7),
      { fwmark: 7, scheduler: 'rr', destinations: [{ address: '192.168.10.74', port: 0, forwarding: 'route', weight: 1 }] },
    );
    // The real server with -x 100 -y 50 looks like any other: thresholds are listed apart, for the services that have lvsplay's.
    assert.deepEqual(facts.live.map(serviceKey), ['tcp 172.16.10.81:443', 'tcp 192.168.10.100:80', 'tcp 10.9.9.1:8080', 'udp 192.168.10.100:53', 'udp 10.9.9.2:53', 'fwmark 7']);
    assert.deepEqual(
      facts.live.find((s) => s.port === 8080),
      {
        protocol: 'tcp',
        vip: '10.9.9.1',
        port: 8080,
        scheduler: 'sh',
        persistence: 60,
        netmask: '255.255.255.0',
        schedFlags: ['sh-port'],
        destinations: [{ address: '192.168.10.73', port: 8080, forwarding: 'tunnel', weight: 5 }],
      },
    );
    assert.equal(facts.live.find((s) => s.port === 53 && s.vip === '10.9.9.2')?.onePacket, true);
  });
});

describe('fact parsers on the shapes lvsplay prints itself', () => {
  it('files: mode and hash, or missing', () => {
    const states = parseFileStates(recorded('files-fact.txt'));
    assert.deepEqual(Object.fromEntries(states), {
      '/etc/hostname': { exists: true, mode: 0o755, sha256: '2bf9106b5ede6fd8d1597288a98d92ffc4cfac3f6e6c7a75803abb385bc88626' },
      '/etc/shadow': { exists: true, mode: 0o640, sha256: '94ae9fbca0d28d8dba18ee4aa3639dc258aa5df480063b4ed519d5c09d20f88e' },
      '/etc/ssh/sshd_config': { exists: true, mode: 0o644, sha256: '160f305635ece2300959616ab840adeb028dfc3a986bc14859675aaf55e70bbe' },
      '/nonexistent': { exists: false },
    });
    assert.throws(() => parseFileStates('garbage\n'), /unexpected line 'garbage'/);
    assert.throws(() => parseFileStates('644 /etc/a\n'), /\/etc\/a has a mode but no SHA-256/);
  });

  it('modules: which are loaded', () => {
    assert.deepEqual([...parseModules('ip_vs loaded\nip_vs_rr missing\n')], ['ip_vs']);
    assert.throws(() => parseModules('ip_vs maybe\n'), /unexpected line/);
  });

  it("sysctl: values by key, and keys the kernel does not have (the fact run on this machine's own /proc/sys)", () => {
    const keys = ['kernel.ostype', 'net.ipv4.tcp_rmem', 'net.ipv4.vs.expire_nodest_conn_not_here'];
    const fact = sysctlFact(keys);
    const values = fact.parse(execFileSync('sh', ['-s'], { input: fact.command, encoding: 'utf8' }));
    assert.equal(values.get('kernel.ostype'), 'Linux');
    assert.match(values.get('net.ipv4.tcp_rmem')!, /^\d+ \d+ \d+$/, 'the whole value, not its first byte');
    assert.equal(values.get('net.ipv4.vs.expire_nodest_conn_not_here'), undefined);
    assert.equal(values.size, 3);
    assert.throws(() => parseSysctl('/proc/sys/other:1\n', keys), /unexpected line/);
  });
});
