// How a run fails and how it changes a running cluster, on the seed's DR lab: a step failing on one host,
// a remote time-out, ipvsadm -R refusing a line, a real server's threshold set by hand, services and real servers edited and removed through the
// inventory, a foreign service left alone, --diff, --limit, the roll-out order, and the IPVS delta run by
// the real kernel. Each test starts from the converged cluster and leaves it so (the suite's afterEach
// re-converges after a failure).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { sameTable } from '../../src/ipvs/equal.ts';
import { formatChanges } from '../../src/ipvs/format.ts';
import { ipvsDelta } from '../../src/ipvs/delta.ts';
import { parseIpvsSave } from '../../src/ipvs/parse.ts';
import { DELTA_CASES, expectedAfter, ownedOf } from '../unit/ipvs/delta-cases.ts';
import { byHost, type DrLab, inAddrErrors, itemsIn, labRuns, liveRules, RS1, RS2, seedService, sh, statuses, VIP } from './dr-lab.ts';
import { runJson, writeLabInventory, type InventoryEdit } from './lvsplay.ts';

export type { DrLab };

const SYSCTL_RS = '/etc/sysctl.d/90-lvsplay-realserver-dr.conf';
const IFCFG = '/etc/sysconfig/network-scripts/ifcfg-lo:1';

export function drChangesAndFailures(get: () => DrLab): void {
  const edited = async (edit: InventoryEdit): Promise<string> => {
    const { lab } = get();
    return writeLabInventory(join(lab.dir, 'edits'), 'dr', lab.access, edit);
  };

  const { checkThenRun, converge } = labRuns(get);

  it('a step that fails on one host fails that host only: the step named, its later items not run, the others applied; its director does not add it', async () => {
    const { lab, inventory, ssh } = get();
    // A directory where rs1's sysctl file goes: the write step cannot back it up or replace it.
    await sh(lab, 'rs1', `rm -f ${SYSCTL_RS} && mkdir ${SYSCTL_RS} && ip address del ${VIP}/32 dev lo`);
    await sh(lab, 'rs2', `ip address del ${VIP}/32 dev lo`);
    // rs1 out of the director's table too: added back now, it would get clients while it lacks the VIP.
    await sh(lab, 'lvs', `ipvsadm -d -t ${VIP}:80 -r ${RS1}:80`);
    try {
      const run = await runJson(['run', inventory, ...ssh]);
      assert.equal(run.code, 1);
      const rs1 = byHost(run.hosts, 'rs1');
      assert.equal(rs1.status, 'failed', statuses(run.hosts));
      assert.match(rs1.error ?? '', new RegExp(`^write ${SYSCTL_RS} failed \\(exit 1\\): `), rs1.error);
      const file = rs1.items.find((i) => i.item.includes(SYSCTL_RS))!;
      assert.equal(file.status, 'failed', JSON.stringify(rs1.items));
      const address = rs1.items.find((i) => i.kind === 'address')!;
      assert.equal(address.status, 'not run', JSON.stringify(address));
      assert.doesNotMatch(await sh(lab, 'rs1', 'ip -o address show dev lo'), new RegExp(`${VIP}/32`), 'a step after the failed one ran');
      // The other hosts went on, and their change is on the host.
      assert.equal(byHost(run.hosts, 'rs2').status, 'changed', statuses(run.hosts));
      assert.match(await sh(lab, 'rs2', 'ip -o address show dev lo'), new RegExp(`inet ${VIP}/32 .*lo:1`));
      assert.equal(byHost(run.hosts, 'router').status, 'ok', statuses(run.hosts));
      // The director was planned again without rs1: its table and rules file as if rs1 were not listed.
      const lvs = byHost(run.hosts, 'lvs');
      assert.deepEqual(lvs.withheld, [`${RS1}:80 (rs1) not added to tcp ${VIP}:80: rs1 failed earlier in this run`], JSON.stringify(lvs));
      const rules = await liveRules(lab);
      assert.ok(!rules.some((line) => line.includes(RS1)) && rules.some((line) => line.includes(RS2)), rules.join('\n'));
    } finally {
      await sh(lab, 'rs1', `rmdir ${SYSCTL_RS} 2>/dev/null || true`);
    }
    await converge();
  });

  it('a remote script that outlives --command-timeout is stopped on the host and fails only that host', async () => {
    const { lab, inventory, ssh } = get();
    // A FIFO with no writer where rs2's ifcfg file goes: backing it up blocks until the time-out ends it.
    await sh(lab, 'rs2', `rm -f '${IFCFG}' && mkfifo '${IFCFG}'`);
    try {
      const run = await runJson(['run', inventory, ...ssh, '--command-timeout', '10']);
      assert.equal(run.code, 1);
      const rs2 = byHost(run.hosts, 'rs2');
      assert.equal(rs2.status, 'failed', statuses(run.hosts));
      assert.equal(rs2.error, 'a remote script ran longer than 10 s and was stopped');
      assert.ok(
        ['router', 'lvs', 'rs1'].every((h) => byHost(run.hosts, h).status === 'ok'),
        statuses(run.hosts),
      );
      // `timeout` ended the whole script on the host, not only the ssh channel.
      assert.equal((await sh(lab, 'rs2', "pgrep -fc '[c]p -p /etc/sysconfig|[t]imeout -k 5' || true")).trim(), '0');
    } finally {
      await sh(lab, 'rs2', `rm -f '${IFCFG}'`);
    }
    await converge();
  });

  it("an ipvsadm -R line the kernel refuses fails the director with ipvsadm's own message", async () => {
    const { lab } = get();
    // The sed scheduler's module cannot be loaded: the kernel refuses `-E ... -s sed`; ipvsadm -R exits 0.
    await sh(lab, 'lvs', 'modprobe -r ip_vs_sed 2>/dev/null; echo "install ip_vs_sed /bin/false" > /etc/modprobe.d/lvsplay-test-no-sed.conf');
    try {
      const sed = await edited({ name: 'sed', services: [seedService({ scheduler: 'sed' })] });
      const run = await runJson(['run', sed, ...get().ssh]);
      assert.equal(run.code, 1);
      const lvs = byHost(run.hosts, 'lvs');
      assert.equal(lvs.status, 'failed', statuses(run.hosts));
      assert.match(lvs.error ?? '', /^ipvsadm -R \(1 line\) failed \(exit 1\): .+/, lvs.error);
      const ipvs = lvs.items.find((i) => i.kind === 'ipvs')!;
      assert.equal(ipvs.status, 'failed', JSON.stringify(ipvs));
      assert.ok((await liveRules(lab)).includes(`-A -t ${VIP}:80 -s rr`), 'the scheduler is still rr');
    } finally {
      await sh(lab, 'lvs', 'rm -f /etc/modprobe.d/lvsplay-test-no-sed.conf');
    }
    await converge();
  });

  it('a real server with a threshold set by hand is not edited: the director fails naming it before any IPVS change, the threshold kept', async () => {
    const { lab } = get();
    // ipvsadm-save does not print thresholds and an -e without -x/-y clears them: the weight edit must not run.
    await sh(lab, 'lvs', `ipvsadm -e -t ${VIP}:80 -r ${RS1}:80 -g -w 1 -x 100 -y 20`);
    const heavier = await edited({ name: 'weight', services: [seedService({ realServers: [{ host: 'rs1', weight: 3 }, { host: 'rs2' }] })] });
    const run = await runJson(['run', heavier, ...get().ssh]);
    assert.equal(run.code, 1, statuses(run.hosts));
    const lvs = byHost(run.hosts, 'lvs');
    assert.equal(lvs.status, 'failed', statuses(run.hosts));
    assert.match(lvs.error ?? '', new RegExp(`real server ${RS1}:80 of tcp ${VIP}:80 has a connection threshold set outside lvsplay \\(-x 100 -y 20\\)`), lvs.error);
    const rs1 = (await sh(lab, 'lvs', `ipvsadm -Ln --thresholds -t ${VIP}:80`)).split('\n').find((line) => line.includes(`${RS1}:80`));
    assert.match(rs1 ?? '', /\s100\s+20\s/, 'the threshold is still set');
    assert.ok((await liveRules(lab)).includes(`-a -t ${VIP}:80 -r ${RS1}:80 -g -w 1`), 'the weight was not edited');
    // Cleared by hand, as the message says: the next run edits the real server.
    await sh(lab, 'lvs', `ipvsadm -e -t ${VIP}:80 -r ${RS1}:80 -g -w 1 -x 0 -y 0`);
    const again = await runJson(['run', heavier, ...get().ssh]);
    assert.equal(again.code, 0, statuses(again.hosts));
    assert.ok((await liveRules(lab)).includes(`-a -t ${VIP}:80 -r ${RS1}:80 -g -w 3`), 'the weight is edited once the threshold is gone');
    await converge();
  });

  it('edits, adds and removes services and real servers through the inventory, reads them back, and leaves a foreign service alone', async () => {
    const { lab, inventory } = get();
    const foreign = '-A -t 192.168.10.100:8080 -s wlc';
    await sh(lab, 'lvs', 'ipvsadm -A -t 192.168.10.100:8080 -s wlc');
    try {
      // A scheduler and a weight edited, a service added.
      const grown = await edited({
        name: 'grown',
        services: [seedService({ scheduler: 'wrr', realServers: [{ host: 'rs1' }, { host: 'rs2', weight: 3 }] }), seedService({ port: 443 })],
      });
      const run = await checkThenRun(grown);
      // The manifest records the director's services: it changes with them, on no other host.
      assert.deepEqual(itemsIn(run.hosts, 'changed'), ['lvs file file /etc/sysconfig/ipvsadm', 'lvs ipvs IPVS table (2 services)', 'lvs manifest manifest /var/lib/lvsplay/manifest.json']);
      let rules = await liveRules(lab);
      for (const line of [
        `-A -t ${VIP}:80 -s wrr`,
        `-a -t ${VIP}:80 -r ${RS2}:80 -g -w 3`,
        `-a -t ${VIP}:80 -r ${RS1}:80 -g -w 1`,
        `-A -t ${VIP}:443 -s rr`,
        `-a -t ${VIP}:443 -r ${RS1}:443 -g -w 1`,
        `-a -t ${VIP}:443 -r ${RS2}:443 -g -w 1`,
        foreign,
      ])
        assert.ok(rules.includes(line), `${line} not in\n${rules.join('\n')}`);
      const unmanaged = byHost(run.hosts, 'lvs').unmanaged;
      assert.deepEqual(
        unmanaged.map((u) => [u.service, u.kind]),
        [['tcp 192.168.10.100:8080', 'not-owned']],
      );

      // A real server removed from a service, shown by --diff as it is made.
      const shrunk = await edited({ name: 'shrunk', services: [seedService(), seedService({ port: 443, realServers: [{ host: 'rs1' }] })] });
      const diffRun = await checkThenRun(shrunk, ['--diff']);
      const diffs = (byHost(diffRun.hosts, 'lvs').diffs ?? []).join('\n');
      // The rules file's diff takes the line out; the IPVS delta deletes the real server.
      assert.match(diffs, new RegExp(`^--a -t ${VIP}:443 -r ${RS2}:443 -g -w 1$`, 'm'), diffs);
      assert.match(diffs, new RegExp(`^-d -t ${VIP}:443 -r ${RS2}:443$`, 'm'), diffs);
      assert.match(diffs, new RegExp(`^-E -t ${VIP}:80 -s rr$`, 'm'), diffs);
      assert.match(diffs, new RegExp(`^-e -t ${VIP}:80 -r ${RS2}:80 -g -w 1$`, 'm'), diffs);
      rules = await liveRules(lab);
      assert.ok(!rules.some((line) => line.includes(`${RS2}:443`)), rules.join('\n'));
      assert.ok(rules.includes(`-A -t ${VIP}:80 -s rr`) && rules.includes(`-a -t ${VIP}:80 -r ${RS2}:80 -g -w 1`), rules.join('\n'));

      // The added service removed again: lvsplay owns it (its rules file has it), so it is deleted.
      await checkThenRun(inventory);
      rules = await liveRules(lab);
      assert.ok(!rules.some((line) => line.includes(':443')), rules.join('\n'));
      assert.ok(rules.includes(foreign), 'the foreign service survived every run');
      assert.equal((await sh(lab, 'lvs', 'cat /etc/sysconfig/ipvsadm')).includes(':8080'), false, 'lvsplay persisted a service it does not own');
    } finally {
      await sh(lab, 'lvs', 'ipvsadm -D -t 192.168.10.100:8080 2>/dev/null || true');
    }
  });

  it('a VIP renumbered leaves the old one on no host: taken off lo on the director and the real servers, and a reboot brings back only the new one', async () => {
    const { lab, inventory } = get();
    const NEW_VIP = '192.168.10.101';
    const onLo = async (host: string) => sh(lab, host, 'ip -o -4 address show dev lo');
    const renumbered = await edited({ name: 'renumbered', services: [seedService({ vip: NEW_VIP })] });
    const run = await checkThenRun(renumbered);
    for (const host of ['lvs', 'rs1', 'rs2']) {
      const removed = byHost(run.hosts, host)
        .items.filter((i) => i.status === 'removed')
        .map((i) => i.item);
      assert.deepEqual(removed, [`address ${VIP}/32 on lo:1`], `${host} removed ${JSON.stringify(removed)}`);
      const lo = await onLo(host);
      assert.doesNotMatch(lo, new RegExp(`inet ${VIP}/32`), `${host} still holds the old VIP`);
      assert.match(lo, new RegExp(`inet ${NEW_VIP}/32 .*lo:1`), host);
    }
    const serves = async (when: string) => {
      const seen = (await sh(lab, 'client', `for i in 1 2 3 4; do curl -s --max-time 5 http://${NEW_VIP}/ || echo FAILED; done`)).trim().split('\n');
      assert.deepEqual([...new Set(seen)].sort(), ['rs1', 'rs2'], `curl ${NEW_VIP} ${when}: ${seen.join(', ')}`);
    };
    await serves('after the run');
    // A reboot brings back only the new VIP: no ifcfg file or unit is left for the old one.
    await lab.reboot(['lvs', 'rs1', 'rs2']);
    for (const host of ['lvs', 'rs1', 'rs2']) {
      const lo = await onLo(host);
      assert.doesNotMatch(lo, new RegExp(`inet ${VIP}/32`), `${host} holds the old VIP after a reboot`);
      assert.match(lo, new RegExp(`inet ${NEW_VIP}/32 .*lo:1`), `${host} after a reboot`);
    }
    await serves('after a reboot');
    // And back: the new VIP goes the same way.
    await checkThenRun(inventory);
    for (const host of ['lvs', 'rs1', 'rs2']) assert.doesNotMatch(await onLo(host), new RegExp(`inet ${NEW_VIP}/32`), host);
    assert.ok(!(await liveRules(lab)).some((line) => line.includes(NEW_VIP)), 'the renumbered service is still live');
  });

  it('--limit changes only the hosts it names', async () => {
    const { lab, inventory, ssh } = get();
    for (const host of ['rs1', 'rs2']) await sh(lab, host, `ip address del ${VIP}/32 dev lo`);
    const run = await runJson(['run', inventory, ...ssh, '--limit', 'rs1']);
    assert.equal(run.code, 0, statuses(run.hosts));
    assert.deepEqual(
      run.hosts.map((h) => [h.host, h.status]),
      [['rs1', 'changed']],
    );
    assert.match(await sh(lab, 'rs1', 'ip -o address show dev lo'), new RegExp(`${VIP}/32`));
    assert.doesNotMatch(await sh(lab, 'rs2', 'ip -o address show dev lo'), new RegExp(`${VIP}/32`), '--limit rs1 changed rs2');
    await converge();
  });

  it('rolls out real servers before directors: no request reaches a real server before it holds the VIP', async () => {
    const { lab, inventory, ssh } = get();
    // rs2 out of the table and without its VIP. Had the director taken it back first, the requests it sent
    // rs2 before its VIP was up would reach rs2 for an address it does not have: the kernel drops those and
    // counts them in Ip InAddrErrors (forwarding is off), even when a retransmission succeeds later.
    await sh(lab, 'lvs', `ipvsadm -d -t ${VIP}:80 -r ${RS2}:80`);
    await sh(lab, 'rs2', `ip address del ${VIP}/32 dev lo`);
    const dropped = () => inAddrErrors(lab, 'rs2');
    const droppedBefore = await dropped();
    await sh(lab, 'client', 'rm -f /tmp/lvsplay-stop');
    const requests = lab.ssh('client', `while [ ! -e /tmp/lvsplay-stop ]; do curl -s --connect-timeout 5 --max-time 10 http://${VIP}/ || echo FAILED; done`, {
      timeoutMs: 15 * 60_000,
    });
    let run;
    try {
      run = await runJson(['run', inventory, ...ssh]);
      // A few more requests after the run, so that rs2 must have been reached.
      await sh(lab, 'client', 'sleep 2');
    } finally {
      await lab.ssh('client', 'touch /tmp/lvsplay-stop');
    }
    const answers = (await requests).stdout
      .trim()
      .split('\n')
      .map((line) => line.trim());
    assert.equal(run.code, 0, statuses(run.hosts));
    assert.equal((await dropped()) - droppedBefore, 0, `rs2 dropped packets for the VIP during the run; answers: ${answers.join(', ')}`);
    assert.ok(answers.length > 0 && !answers.includes('FAILED'), `answers during the run: ${answers.join(', ')}`);
    assert.ok(answers.includes('rs2'), `rs2 never answered: ${answers.join(', ')}`);
  });

  it('the delta cases, run by the kernel through ipvsadm -R, give the tables they promise', async () => {
    const { lab } = get();
    // One session: for each case, the live table from nothing, then the case's lines, then the table.
    const script = DELTA_CASES.map((testCase) => {
      const live = formatChanges(ipvsDelta([], testCase.live, new Set()));
      return [
        'ipvsadm -C',
        `printf '%s' '${live}' | ipvsadm -R 2>&1`,
        `printf '%s' '${testCase.lines.map((l) => `${l}\n`).join('')}' | ipvsadm -R 2>&1`,
        'echo @@table',
        'ipvsadm-save -n',
        'echo @@end',
      ].join('\n');
    }).join('\n');
    try {
      const output = await sh(lab, 'lvs', script);
      const parts = output.split('@@end\n').slice(0, -1);
      assert.equal(parts.length, DELTA_CASES.length, output);
      DELTA_CASES.forEach((testCase, i) => {
        const [messages, table] = parts[i]!.split('@@table\n') as [string, string];
        assert.equal(messages, '', `${testCase.name}: ipvsadm said: ${messages}`);
        const owned = ownedOf(testCase.persisted ?? [], testCase.desired);
        const after = parseIpvsSave(table).table;
        assert.ok(sameTable(after, expectedAfter(testCase.live, testCase.desired, owned)), `${testCase.name}: the kernel's table is\n${table}`);
      });
    } finally {
      await sh(lab, 'lvs', 'ipvsadm -C');
    }
    await converge();
  });
}
