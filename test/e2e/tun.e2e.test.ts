// LVS-TUN (issue 14) from bare VMs: a director sends requests inside IP-in-IP to rs1 on its own lan and to rs3
// on a segment of its own behind the router; each real server carries the VIP on tunl0 and answers the client
// directly. Proven from the client VM with curl, after a second run, and after the director and rs3 reboot.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/lab.ts';
import { failureText, runJson, writeLabInventory, type JsonHost } from './lvsplay.ts';

const VIP = '192.168.10.100';

function tally(hosts: readonly JsonHost[], key: 'changed' | 'ok'): number {
  return hosts.reduce((sum, h) => sum + h.tally[key], 0);
}

describe('LVS-TUN: a real server on the director lan and one behind the router, from bare VMs', function () {
  this.timeout(20 * 60_000);
  let lab: Lab<'dr-tun'>;
  let inventory: string;
  let ssh: string[];

  const sh = async (host: 'client' | 'router' | 'lvs' | 'rs1' | 'rs3', command: string): Promise<string> => {
    const result = await lab.ssh(host, command, { timeoutMs: 120_000 });
    assert.equal(result.code, 0, `${host}: ${command}: ${result.stderr}`);
    return result.stdout;
  };
  /** Which real server answered each of six requests to the VIP, as the client sees it. */
  const answers = async (): Promise<string[]> => (await sh('client', `for i in 1 2 3 4 5 6; do curl -s --max-time 5 http://${VIP}/ || echo FAILED; done`)).trim().split('\n');

  before(async () => {
    lab = await startLab('dr-tun');
    inventory = await writeLabInventory(lab.dir, 'dr-tun', lab.access);
    ssh = ['--known-hosts', join(lab.dir, 'known_hosts')];
  });

  after(async () => {
    await lab?.stop();
  });

  it('converges in one run; the client is answered by rs1 and rs3 in turn through the tunnel; a second run changes nothing', async () => {
    const run = await runJson(['run', inventory, ...ssh, '--accept-new-host-keys']);
    assert.equal(run.code, 0, failureText(run.hosts));
    assert.ok(tally(run.hosts, 'changed') > 0);
    const table = await sh('lvs', 'ipvsadm -Ln');
    for (const rs of ['192\\.168\\.10\\.71', '192\\.168\\.40\\.73']) assert.match(table, new RegExp(`-> ${rs}:80\\s+Tunnel\\s+1\\s`), table);
    for (const host of ['rs1', 'rs3'] as const) {
      assert.match(await sh(host, 'ip -o -4 address show dev tunl0'), /inet 192\.168\.10\.100\/32 .*tunl0:1/, host);
    }
    const seen = await answers();
    assert.deepEqual([...new Set(seen)].sort(), ['rs1', 'rs3'], `curl ${VIP} from the client: ${seen.join(', ')}`);
    for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], `rr alternates: ${seen.join(', ')}`);
    // rs3's answers come from the VIP straight back through the router, never through the director.
    const again = await runJson(['run', inventory, ...ssh]);
    assert.equal(again.code, 0, failureText(again.hosts));
    assert.equal(tally(again.hosts, 'changed'), 0, 'a second run changes nothing');
  });

  it('rs1 does not answer ARP for the VIP; only the director does', async () => {
    const arping = await sh('router', `busybox arping -I eth0 -c 3 -w 3 ${VIP} 2>/dev/null; true`);
    const macs = new Set([...arping.matchAll(/reply from \S+ \[([0-9a-f:]{17})\]/gi)].map((m) => m[1]!.toLowerCase()));
    const lvsMac = (await sh('lvs', 'cat /sys/class/net/eth0/address')).trim();
    assert.deepEqual([...macs], [lvsMac], arping);
  });

  it('keeps serving through rs3 after the director and rs3 reboot, with no further run', async () => {
    await lab.reboot(['lvs', 'rs3']);
    assert.match(await sh('rs3', 'ip -o -4 address show dev tunl0'), /inet 192\.168\.10\.100\/32 .*tunl0:1/);
    assert.deepEqual((await sh('rs3', 'sysctl -n net.ipv4.conf.tunl0.rp_filter net.ipv4.conf.all.rp_filter')).trim().split('\n'), ['0', '0']);
    const seen = await answers();
    assert.deepEqual([...new Set(seen)].sort(), ['rs1', 'rs3'], `curl ${VIP} after the reboot: ${seen.join(', ')}`);
  });
});
