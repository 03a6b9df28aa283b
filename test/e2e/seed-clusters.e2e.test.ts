// The seed's three clusters built from bare VMs by `lvsplay run`, proven from a client VM with curl, after
// a reboot, after drift, and per role. Real QEMU VMs with an IPVS kernel, real sshd: see test/lab/.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { sameTable } from '../../src/ipvs/equal.ts';
import { parseIpvsSave } from '../../src/ipvs/parse.ts';
import { startLab, type Lab, type TwoServerTopology } from '../lab/lab.ts';
import { drDayTwo } from './dr-day-two.ts';
import { drChangesAndFailures } from './dr-changes.ts';
import { drIpvsTuning } from './dr-ipvs-tuning.ts';
import { drFwmark } from './dr-fwmark.ts';
import { assertUnchanged, snapshot } from './host-snapshot.ts';
import { failureText, runJson, writeLabInventory, type JsonHost } from './lvsplay.ts';

interface Seed {
  readonly name: TwoServerTopology;
  readonly vip: string;
  /** How `ipvsadm -Ln` names the forwarding method. */
  readonly forward: 'Route' | 'Masq';
  /** Every host lvsplay manages in this cluster. */
  readonly hosts: readonly string[];
}

const SEEDS: readonly Seed[] = [
  { name: 'dr', vip: '192.168.10.100', forward: 'Route', hosts: ['router', 'lvs', 'rs1', 'rs2'] },
  { name: 'nat', vip: '172.16.10.81', forward: 'Masq', hosts: ['lvs', 'rs1', 'rs2'] },
  { name: 'dr-multi-subnet', vip: '172.16.10.81', forward: 'Route', hosts: ['router', 'lvs', 'rs1', 'rs2'] },
];

const RS2 = '192.168.10.72';

function changed(hosts: readonly JsonHost[]): number {
  return hosts.reduce((sum, h) => sum + h.tally.changed, 0);
}

/** Which real server answered each of `count` requests to the VIP, as the client sees it. */
async function answers(lab: Lab<TwoServerTopology>, vip: string, count = 6): Promise<string[]> {
  const loop = `for i in $(seq ${count}); do curl -s --max-time 5 http://${vip}/ || echo FAILED; done`;
  const result = await lab.ssh('client', loop, { timeoutMs: 120_000 });
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => line.trim());
}

async function assertServesAlternately(lab: Lab<TwoServerTopology>, vip: string): Promise<void> {
  const seen = await answers(lab, vip);
  assert.ok(
    seen.every((who) => who === 'rs1' || who === 'rs2'),
    `curl ${vip} from the client got: ${seen.join(', ')}`,
  );
  for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], `rr/wrr with equal weights alternates: ${seen.join(', ')}`);
}

async function sh(lab: Lab<TwoServerTopology>, host: string, command: string): Promise<string> {
  const result = await lab.ssh(host as never, command);
  assert.equal(result.code, 0, `${host}: ${command}: ${result.stderr}`);
  return result.stdout;
}

async function assertDirectorTable(lab: Lab<TwoServerTopology>, seed: Seed): Promise<void> {
  const table = await sh(lab, 'lvs', 'ipvsadm -Ln');
  assert.match(table, new RegExp(`TCP\\s+${seed.vip.replaceAll('.', '\\.')}:80`), table);
  for (const rs of ['192.168.10.71', RS2]) assert.match(table, new RegExp(`-> ${rs.replaceAll('.', '\\.')}:80\\s+${seed.forward}\\s+1\\s`), table);
}

for (const seed of SEEDS) {
  describe(`seed cluster ${seed.name}, from bare VMs`, function () {
    this.timeout(20 * 60_000);
    let lab: Lab<TwoServerTopology>;
    let inventory: string;
    let ssh: string[];

    before(async () => {
      lab = (await startLab(seed.name)) as Lab<TwoServerTopology>;
      inventory = await writeLabInventory(lab.dir, seed.name, lab.access);
      ssh = ['--known-hosts', join(lab.dir, 'known_hosts')];
    });

    after(async () => {
      await lab?.stop();
    });

    // Each test starts from a converged cluster: whatever a failed one left behind is put right here, so
    // that one failure does not fail the tests after it.
    afterEach(async function () {
      if (this.currentTest?.state !== 'failed' || !lab) return;
      await runJson(['run', inventory, ...ssh]).catch(() => undefined);
    });

    it('converges in one run, which reports changes', async () => {
      const run = await runJson(['run', inventory, ...ssh, '--accept-new-host-keys']);
      assert.equal(run.code, 0, failureText(run.hosts));
      assert.ok(changed(run.hosts) > 0);
      // A NAT real server has nothing to write, only a route to check: it may be ok from the start.
      const statuses = Object.fromEntries(run.hosts.map((h) => [h.host, h.status]));
      assert.equal(statuses.lvs, 'changed', JSON.stringify(statuses));
    });

    it('serves curl VIP from both real servers in turn, with the table ipvsadm shows', async () => {
      await assertDirectorTable(lab, seed);
      await assertServesAlternately(lab, seed.vip);
    });

    it('changes nothing on a second run, and says so', async () => {
      const before = await snapshot(lab, seed.hosts);
      const run = await runJson(['run', inventory, ...ssh]);
      assertUnchanged(before, await snapshot(lab, seed.hosts), 'a second run');
      assert.equal(run.code, 0, failureText(run.hosts));
      assert.equal(changed(run.hosts), 0, JSON.stringify(run.hosts.filter((h) => h.tally.changed > 0)));
      assert.ok(run.hosts.every((h) => h.status === 'ok'));
      // The rules file is byte for byte what the live kernel's ipvsadm-save prints: the director sent a mark,
      // not its table.
      const ipvs = run.hosts.find((h) => h.host === 'lvs')!.items.find((i) => i.kind === 'ipvs')!;
      assert.match(ipvs.reason, /^live table is the rules file lvsplay writes/, ipvs.reason);
    });

    it('finds drift with --check without changing anything, and repairs it with run', async () => {
      await sh(lab, 'lvs', `ipvsadm -d -t ${seed.vip}:80 -r ${RS2}:80`);
      const driftHost = seed.forward === 'Route' ? 'rs1' : 'lvs';
      const drift = seed.forward === 'Route' ? `ip address del ${seed.vip}/32 dev lo` : 'sysctl -w net.ipv4.ip_forward=0';
      await sh(lab, driftHost, drift);

      const before = await snapshot(lab, seed.hosts);
      const check = await runJson(['run', inventory, ...ssh, '--check']);
      assertUnchanged(before, await snapshot(lab, seed.hosts), '--check');
      assert.equal(check.code, 0, failureText(check.hosts));
      const found = check.hosts.flatMap((h) => h.items.filter((i) => i.status === 'would change').map((i) => `${h.host} ${i.kind}`));
      const expected = seed.forward === 'Route' ? ['lvs ipvs', 'rs1 address'] : ['lvs sysctl', 'lvs ipvs'];
      assert.deepEqual(found.sort(), expected.sort());

      const repair = await runJson(['run', inventory, ...ssh]);
      assert.equal(repair.code, 0, failureText(repair.hosts));
      const repaired = repair.hosts.flatMap((h) => h.items.filter((i) => i.status === 'changed').map((i) => `${h.host} ${i.kind}`));
      assert.deepEqual(repaired.sort(), expected.sort());
      const again = await runJson(['run', inventory, ...ssh]);
      assert.equal(changed(again.hosts), 0);
      await assertServesAlternately(lab, seed.vip);
    });

    it('--role touches only the hosts and items of that role: drift inside it is repaired, drift outside stays', async () => {
      const role = seed.forward === 'Route' ? 'realserver-dr' : 'director-nat';
      // Inside the role: a real server's VIP, or the NAT director's forwarding.
      if (seed.forward === 'Route') await sh(lab, 'rs1', `ip address del ${seed.vip}/32 dev lo`);
      else await sh(lab, 'lvs', 'sysctl -w net.ipv4.ip_forward=0');
      // Outside the role: the DR director's table. (A NAT real server has nothing lvsplay would change.)
      if (seed.forward === 'Route') await sh(lab, 'lvs', `ipvsadm -d -t ${seed.vip}:80 -r ${RS2}:80`);
      const run = await runJson(['run', inventory, ...ssh, '--role', role]);
      assert.equal(run.code, 0, failureText(run.hosts));
      const expectedHosts = seed.forward === 'Route' ? ['rs1', 'rs2'] : ['lvs'];
      assert.deepEqual(run.hosts.map((h) => h.host).sort(), expectedHosts);
      assert.ok(run.hosts.every((h) => h.items.every((i) => i.roles.includes(role))));
      if (seed.forward === 'Route') {
        assert.match(await sh(lab, 'rs1', 'ip -o address show dev lo'), new RegExp(`inet ${seed.vip.replaceAll('.', '\\.')}/32`), 'drift inside the role stayed');
        assert.doesNotMatch(await sh(lab, 'lvs', 'ipvsadm -Ln'), new RegExp(RS2.replaceAll('.', '\\.')), 'a realserver-dr run touched the director');
        const repair = await runJson(['run', inventory, ...ssh, '--role', 'director-dr']);
        assert.deepEqual(
          repair.hosts.map((h) => [h.host, h.tally.changed]),
          [['lvs', 1]],
        );
      } else {
        assert.equal((await sh(lab, 'lvs', 'sysctl -n net.ipv4.ip_forward')).trim(), '1', 'drift inside the role stayed');
      }
    });

    it('a host that cannot be reached stops only itself; the others apply their changes; the recap names it; exit 1', async () => {
      // Pending changes on the hosts that can be reached: the director's table, and a DR real server's VIP.
      await sh(lab, 'lvs', `ipvsadm -d -t ${seed.vip}:80 -r 192.168.10.71:80`);
      if (seed.forward === 'Route') await sh(lab, 'rs1', `ip address del ${seed.vip}/32 dev lo`);
      // Port 1 on loopback: nothing listens there, so the connection is refused at once.
      const unreachable = await writeLabInventory(join(lab.dir, 'broken'), seed.name, { ...lab.access, rs2: { ...lab.access.rs2!, port: 1 } });
      const run = await runJson(['run', unreachable, ...ssh]);
      assert.equal(run.code, 1);
      const rs2 = run.hosts.find((h) => h.host === 'rs2')!;
      assert.equal(rs2.status, 'unreachable');
      assert.match(rs2.error!, /refused/);
      const changedHosts = seed.forward === 'Route' ? ['lvs', 'rs1'] : ['lvs'];
      assert.deepEqual(
        run.hosts.filter((h) => h.host !== 'rs2').map((h) => [h.host, h.status]),
        seed.hosts.filter((h) => h !== 'rs2').map((h) => [h, changedHosts.includes(h) ? 'changed' : 'ok']),
      );
      assert.match(await sh(lab, 'lvs', 'ipvsadm -Ln'), /-> 192\.168\.10\.71:80/, 'the director took rs1 back');
      if (seed.forward === 'Route') assert.match(await sh(lab, 'rs1', 'ip -o address show dev lo'), new RegExp(`inet ${seed.vip.replaceAll('.', '\\.')}/32`));
    });

    // In this suite, not a nested one: mocha runs a nested suite after all of these, the reboot test too.
    if (seed.name === 'dr') drChangesAndFailures(() => ({ lab, inventory, ssh }));
    if (seed.name === 'dr') drDayTwo(() => ({ lab, inventory, ssh }));
    if (seed.name === 'dr') drFwmark(() => ({ lab, inventory, ssh }));
    // Just before the reboot test, which checks that what it leaves set comes back at boot.
    const tuning = seed.name === 'dr' ? drIpvsTuning(() => ({ lab, inventory, ssh })) : undefined;

    // Last: a VM that does not come back must not take the tests above down with it.
    it('keeps working after every VM reboots, with no further run', async () => {
      await lab.rebootAll();
      await assertDirectorTable(lab, seed);
      if (seed.forward === 'Route') {
        for (const host of ['lvs', 'rs1', 'rs2']) {
          assert.match(await sh(lab, host, 'ip -o -4 address show dev lo'), new RegExp(`inet ${seed.vip.replaceAll('.', '\\.')}/32 .*lo:1`), host);
        }
        for (const host of ['rs1', 'rs2']) {
          const values = await sh(lab, host, 'sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_ignore net.ipv4.conf.lo.arp_announce');
          assert.deepEqual(values.trim().split('\n'), ['1', '2', '1', '2'], host);
        }
        assert.equal((await sh(lab, 'router', 'sysctl -n net.ipv4.ip_forward')).trim(), '1');
      } else {
        assert.equal((await sh(lab, 'lvs', 'sysctl -n net.ipv4.ip_forward')).trim(), '1');
      }
      // ip_vs is loaded before systemd-sysctl runs, or these would be missing after a boot.
      const ipvsSettings = await sh(lab, 'lvs', 'sysctl -n net.ipv4.vs.expire_nodest_conn net.ipv4.vs.expire_quiescent_template');
      assert.deepEqual(ipvsSettings.trim().split('\n'), ['1', '1']);
      await tuning?.afterReboot(lab);
      // ipvsadm-save lists services in the kernel's hash order: compare tables, not text.
      const live = parseIpvsSave(await sh(lab, 'lvs', 'ipvsadm-save -n')).table;
      const persisted = parseIpvsSave(await sh(lab, 'lvs', 'cat /etc/sysconfig/ipvsadm')).table;
      assert.ok(live.length > 0 && sameTable(live, persisted), 'the persisted rules file equals the live table');
      await assertServesAlternately(lab, seed.vip);
    });
  });
}
