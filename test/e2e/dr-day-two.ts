// Day two on the seed's DR lab: a real server drained while a client downloads from it, a threshold that
// holds a real server at one connection, a persistence netmask with sh-port, a host marked
// absent emptied of what lvsplay made (and still empty after a reboot), the router role dropped, and
// `lvsplay status` showing each state and drift made by hand. Each test starts from the converged cluster
// and converges it back at its end (the suite's afterEach does so after a failure too).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Lab, TwoServerTopology } from '../lab/lab.ts';
import { type DrLab, inAddrErrors, itemsIn, labRuns, liveRules, RS1, RS2, seedService, sh, statuses, VIP } from './dr-lab.ts';
import { lvsplay, runJson, writeLabInventory, type InventoryEdit, type JsonHost } from './lvsplay.ts';

/** What lvsplay makes on a DR real server, by path: none of it may remain on a host it has left. */
const REALSERVER_PATHS = ['/etc/sysctl.d/90-lvsplay-realserver-dr.conf', '/etc/sysconfig/network-scripts/ifcfg-lo:1', '/etc/systemd/system/lvsplay-vip@.service', '/var/lib/lvsplay/manifest.json'];
const ARP_KEYS = 'net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_ignore net.ipv4.conf.lo.arp_announce';

interface StatusRealServer {
  key: string;
  draining: boolean;
  drift: { kind: string; live?: number; wanted?: number }[];
  live?: { weight: number; active: number };
}
interface StatusService {
  key: string;
  drift: { kind: string }[];
  realServers: StatusRealServer[];
}

/** The real servers' second web server, for the threshold test's service of its own. */
const THRESHOLD_HTTPD_PID = '/run/lab-httpd-8080.pid';

export function drDayTwo(get: () => DrLab): void {
  const edited = async (edit: InventoryEdit): Promise<string> => {
    const { lab } = get();
    return writeLabInventory(join(lab.dir, 'day-two'), 'dr', lab.access, edit);
  };

  /** `lvsplay status --json`: the seed service as the director has it now, against `inventory`. */
  const status = async (inventory: string): Promise<StatusService> => {
    const { ssh } = get();
    const result = await lvsplay(['status', inventory, ...ssh, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const [director] = (JSON.parse(result.stdout) as { directors: { host: string; services: StatusService[] }[] }).directors;
    const service = director?.services.find((s) => s.key === `tcp ${VIP}:80`);
    assert.ok(service, result.stdout);
    return service;
  };
  const serverIn = (service: StatusService, address: string): StatusRealServer | undefined => service.realServers.find((r) => r.key === `${address}:80`);

  const { checkThenRun, converge } = labRuns(get);
  /** `ipvsadm-save -n` as one text, to look for a line or an address in. */
  const savedTable = async (lab: Lab<TwoServerTopology>): Promise<string> => (await liveRules(lab)).join('\n');

  it('drains a real server leaving the inventory: weight 0 while its download goes on, no new request to it, then deleted', async () => {
    const { lab, ssh } = get();
    // 3 MB at 50 kB/s: a download of about a minute from each real server (rr gives one to each), long
    // enough that everything checked during the drain happens well before it ends.
    for (const host of ['rs1', 'rs2']) await sh(lab, host, 'head -c 3000000 /dev/zero > /run/lab-www/big');
    const download = () => lab.ssh('client', `curl -s -o /dev/null --limit-rate 50k --max-time 300 -w '%{http_code} %{size_download}' http://${VIP}/big; echo " exit $?"`, { timeoutMs: 6 * 60_000 });
    const downloads = [download(), download()];
    try {
      await waitFor(async () => / -> 192\.168\.10\.72:80\s+Route\s+1\s+1\s/.test(await sh(lab, 'lvs', 'ipvsadm -Ln')), 'rs2 to hold the download');
      const leaving = await edited({ name: 'rs2-leaves', withoutHosts: ['rs2'], services: [seedService({ drainTimeout: 180, realServers: [{ host: 'rs1' }] })] });
      const check = await runJson(['run', leaving, ...ssh, '--check']);
      const planned = check.hosts.find((h) => h.host === 'lvs')?.items.find((i) => i.kind === 'ipvs');
      assert.match(planned?.reason ?? '', /draining 192\.168\.10\.72:80 of tcp 192\.168\.10\.100:80 \(at most 180 s\) first/, JSON.stringify(planned));

      const running = runJson(['run', leaving, ...ssh]);
      await waitFor(async () => (await savedTable(lab)).includes(`-a -t ${VIP}:80 -r ${RS2}:80 -g -w 0`), 'rs2 at weight 0');
      // While rs2 drains: its download holds it in the table, new requests all go to rs1, status says draining.
      const during = await status(leaving);
      assert.deepEqual(serverIn(during, RS2)?.draining, true, JSON.stringify(during));
      const answers = (await sh(lab, 'client', `for i in 1 2 3 4 5 6; do curl -s --max-time 5 http://${VIP}/ || echo FAILED; done`)).trim().split('\n');
      assert.deepEqual([...new Set(answers)], ['rs1'], `requests during the drain: ${answers.join(', ')}`);
      assert.ok((await savedTable(lab)).includes(`-r ${RS2}:80 -g -w 0`), 'rs2 left the table before its download ended');

      const run = await running;
      assert.equal(run.code, 0, statuses(run.hosts));
      // Deleted before its download ended, rs2's connection would have been cut (expire_nodest_conn).
      const finished = (await Promise.all(downloads)).map((r) => r.stdout.trim());
      assert.deepEqual(finished, ['200 3000000 exit 0', '200 3000000 exit 0'], 'both downloads completed whole');
      assert.deepEqual(itemsIn(run.hosts, 'changed'), itemsIn(check.hosts, 'would change'));
      assert.ok(!(await savedTable(lab)).includes(RS2), 'rs2 is still in the table after its drain');
      const again = await runJson(['run', leaving, ...ssh]);
      assert.deepEqual(itemsIn(again.hosts, 'changed'), [], 'a second run changes nothing');
    } finally {
      await Promise.all(downloads);
      for (const host of ['rs1', 'rs2']) await sh(lab, host, 'rm -f /run/lab-www/big');
    }
    await converge();
  });

  it('a threshold stops new connections to a real server at its limit; -M and -b sh-port converge too; each read back, a second run changes nothing', async () => {
    const { lab } = get();
    // A service of its own on port 8080, beside the seed's: its real servers start with no connection, where the
    // seed's rs1 may still count those of the tests before (IPVS keeps a closed one for tcpfin's 120 s), which
    // -x 1 would count against it.
    const port = 8080;
    for (const host of ['rs1', 'rs2']) {
      await sh(lab, host, `nohup setsid busybox httpd -f -p ${port} -h /run/lab-www </dev/null >/dev/null 2>&1 & echo $! > ${THRESHOLD_HTTPD_PID}`);
    }
    try {
      // fo sends every new connection to the heaviest real server not overloaded: rs1 (weight 2) until it holds
      // one connection (-x 1), then rs2.
      const limited = await edited({
        name: 'threshold',
        services: [seedService(), seedService({ port, scheduler: 'fo', realServers: [{ host: 'rs1', weight: 2, upperThreshold: 1 }, { host: 'rs2' }] })],
      });
      await checkThenRun(limited);
      assert.match(await sh(lab, 'lvs', `ipvsadm -Ln --thresholds -t ${VIP}:${port}`), new RegExp(` -> 192\\.168\\.10\\.71:${port} +1 +0 `));
      assert.match(
        await sh(lab, 'lvs', 'cat /etc/sysconfig/ipvsadm'),
        new RegExp(`^-a -t ${VIP}:${port} -r ${RS1}:${port} -g -w 2 -x 1$`, 'm'),
        'the rules file carries the threshold for the boot unit',
      );
      await sh(lab, 'rs1', 'head -c 3000000 /dev/zero > /run/lab-www/big');
      // 3 MB at 100 kB/s: rs1 holds this connection for about 30 s.
      const download = lab.ssh('client', `curl -s -o /dev/null --limit-rate 100k --max-time 120 -w '%{http_code} %{size_download}' http://${VIP}:${port}/big`, { timeoutMs: 3 * 60_000 });
      try {
        await waitFor(async () => new RegExp(` -> 192\\.168\\.10\\.71:${port}\\s+Route\\s+2\\s+1\\s`).test(await sh(lab, 'lvs', `ipvsadm -Ln -t ${VIP}:${port}`)), 'rs1 to hold the download');
        const answers = (await sh(lab, 'client', `for i in 1 2 3 4; do curl -s --max-time 5 http://${VIP}:${port}/ || echo FAILED; done`)).trim().split('\n');
        assert.deepEqual([...new Set(answers)], ['rs2'], `requests while rs1 is at its threshold: ${answers.join(', ')}`);
        assert.equal((await download).stdout, '200 3000000');
      } finally {
        await download;
        await sh(lab, 'rs1', 'rm -f /run/lab-www/big');
      }
    } finally {
      for (const host of ['rs1', 'rs2']) await lab.ssh(host as never, `kill $(cat ${THRESHOLD_HTTPD_PID}) && rm -f ${THRESHOLD_HTTPD_PID}`);
    }
    const sticky = await edited({ name: 'sh-port', services: [seedService({ scheduler: 'sh', schedulerFlags: ['sh-port'], persistence: 60, persistenceNetmask: '255.255.255.0' })] });
    await checkThenRun(sticky);
    assert.ok((await liveRules(lab)).includes(`-A -t ${VIP}:80 -s sh -p 60 -M 255.255.255.0 -b sh-port`), (await liveRules(lab)).join('\n'));
    await converge();
    // Back at the seed: the threshold's service is gone from the table and the rules file.
    assert.doesNotMatch(await sh(lab, 'lvs', 'ipvsadm-save -n; cat /etc/sysconfig/ipvsadm'), /:8080 |-x /);
  });

  it("a real server leaving one service but staying in another keeps that service's VIP until its director has stopped sending it traffic", async () => {
    const { lab, ssh } = get();
    const VIP2 = '192.168.10.101';
    const second = (realServers: object[]) => seedService({ vip: VIP2, realServers });
    const both = await edited({ name: 'two-vips', services: [seedService(), second([{ host: 'rs1' }, { host: 'rs2' }])] });
    const setUp = await runJson(['run', both, ...ssh]);
    assert.equal(setUp.code, 0, statuses(setUp.hosts));
    // Had rs2 given up the second VIP before lvs stopped sending it that VIP's clients (its own stage comes
    // before the directors'), the requests lvs sent it meanwhile would reach rs2 for an address it no longer
    // has: the kernel drops those and counts them in Ip InAddrErrors (forwarding is off). An established
    // connection would not show it: TCP early demux delivers to its socket without a route lookup.
    const dropped = () => inAddrErrors(lab, 'rs2');
    const droppedBefore = await dropped();
    await sh(lab, 'client', 'rm -f /tmp/lvsplay-stop2');
    const requests = lab.ssh('client', `while [ ! -e /tmp/lvsplay-stop2 ]; do curl -s --connect-timeout 5 --max-time 10 http://${VIP2}/ || echo FAILED; done`, { timeoutMs: 15 * 60_000 });
    let run: { hosts: JsonHost[]; check: JsonHost[] };
    try {
      const leaving = await edited({ name: 'rs2-leaves-vip2', services: [seedService(), second([{ host: 'rs1' }])] });
      run = await checkThenRun(leaving);
    } finally {
      await lab.ssh('client', 'touch /tmp/lvsplay-stop2');
    }
    const answers = (await requests).stdout
      .trim()
      .split('\n')
      .map((line) => line.trim());
    assert.equal((await dropped()) - droppedBefore, 0, `rs2 dropped packets for ${VIP2} during the run; answers: ${answers.join(', ')}`);
    assert.ok(answers.length > 0 && !answers.includes('FAILED'), `answers during the run: ${answers.join(', ')}`);
    const removed = (hosts: readonly JsonHost[]) =>
      hosts
        .find((h) => h.host === 'rs2')!
        .items.filter((i) => i.status === 'removed' || i.status === 'would remove')
        .map((i) => i.item);
    assert.ok(removed(run.hosts).includes(`address ${VIP2}/32 on lo:2`), JSON.stringify(removed(run.hosts)));
    assert.deepEqual(removed(run.hosts), removed(run.check));
    const lo = await sh(lab, 'rs2', 'ip -o -4 address show dev lo');
    assert.doesNotMatch(lo, new RegExp(`inet ${VIP2}/32`), 'rs2 still holds the second VIP');
    assert.match(lo, new RegExp(`inet ${VIP}/32`), 'rs2 lost the VIP of the service it stays in');
    await converge();
  });

  it('empties a host marked absent after its director drained it; nothing lvsplay made remains, even after a reboot', async () => {
    const { lab } = get();
    const absent = await edited({ name: 'rs1-absent', absent: ['rs1'] });
    const { hosts: run } = await checkThenRun(absent);
    const rs1 = run.find((h) => h.host === 'rs1')!;
    assert.ok(
      rs1.items.some((i) => i.status === 'removed'),
      JSON.stringify(rs1.items),
    );
    assert.deepEqual(
      rs1.items.filter((i) => i.status === 'changed').map((i) => i.item),
      ['manifest /var/lib/lvsplay/manifest.json'],
      JSON.stringify(rs1.items),
    );
    assert.ok(!(await savedTable(lab)).includes(RS1), 'rs1 is still in the director table');
    const answers = (await sh(lab, 'client', `for i in 1 2 3 4; do curl -s --max-time 5 http://${VIP}/ || echo FAILED; done`)).trim().split('\n');
    assert.deepEqual([...new Set(answers)], ['rs2'], answers.join(', '));
    const service = await status(absent);
    assert.deepEqual(
      service.realServers.map((r) => [r.key, r.drift.map((d) => d.kind)]),
      [[`${RS2}:80`, []]],
      'status: rs2 only, no drift',
    );

    const leftOn = async (): Promise<void> => {
      assert.doesNotMatch(await sh(lab, 'rs1', 'ip -o -4 address show dev lo'), new RegExp(`inet ${VIP}/32`), 'rs1 holds the VIP');
      for (const path of REALSERVER_PATHS) assert.equal((await lab.ssh('rs1', `test -e '${path}'`)).code, 1, `${path} is still on rs1`);
      assert.equal((await sh(lab, 'rs1', "systemctl list-units --all --plain --no-legend 'lvsplay*'")).trim(), '', 'an lvsplay unit is still on rs1');
      // Put back to what the bare VM had before lvsplay first set them: the kernel's defaults.
      assert.deepEqual((await sh(lab, 'rs1', `sysctl -n ${ARP_KEYS}`)).trim().split('\n'), ['0', '0', '0', '0']);
    };
    await leftOn();
    await lab.reboot(['rs1']);
    await leftOn();
    await converge();
    assert.match(await sh(lab, 'rs1', 'ip -o -4 address show dev lo'), new RegExp(`inet ${VIP}/32`), 'rs1 back in the cluster');
  });

  it('the router role dropped: ip_forward back to the value it had before lvsplay, its file gone', async () => {
    const { lab } = get();
    const dropped = await edited({ name: 'router-absent', absent: ['router'] });
    const { hosts: run } = await checkThenRun(dropped);
    const removed = run
      .find((h) => h.host === 'router')!
      .items.filter((i) => i.status === 'removed')
      .map((i) => i.item)
      .sort();
    assert.deepEqual(removed, ['file /etc/sysctl.d/90-lvsplay-router.conf', 'sysctl net.ipv4.ip_forward'], JSON.stringify(removed));
    assert.equal((await sh(lab, 'router', 'sysctl -n net.ipv4.ip_forward')).trim(), '0');
    assert.equal((await lab.ssh('router' as never, 'test -e /etc/sysctl.d/90-lvsplay-router.conf')).code, 1);
    await converge();
    assert.equal((await sh(lab, 'router', 'sysctl -n net.ipv4.ip_forward')).trim(), '1');
  });

  it('status shows drift made by hand: a weight changed and a real server deleted', async () => {
    const { lab, inventory } = get();
    await sh(lab, 'lvs', `ipvsadm -e -t ${VIP}:80 -r ${RS2}:80 -g -w 5 && ipvsadm -d -t ${VIP}:80 -r ${RS1}:80`);
    const service = await status(inventory);
    assert.deepEqual(serverIn(service, RS2)?.drift, [{ kind: 'weight', live: 5, wanted: 1 }], JSON.stringify(service));
    assert.deepEqual(
      serverIn(service, RS1)?.drift.map((d) => d.kind),
      ['missing'],
      JSON.stringify(service),
    );
    const screen = await lvsplay(['status', inventory, ...get().ssh]);
    assert.match(screen.stdout, /WEIGHT 5, inventory 1/, screen.stdout);
    await converge();
    const fixed = await status(inventory);
    assert.deepEqual(
      fixed.realServers.flatMap((r) => r.drift),
      [],
      JSON.stringify(fixed),
    );
  });
}

async function waitFor(test: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
