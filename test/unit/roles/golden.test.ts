import { strict as assert } from 'node:assert';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { desiredState } from '../../../roles/index.ts';
import { loadInventory } from '../../../src/inventory/load.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GOLDEN = join(ROOT, 'test/golden');
const SEEDS = ['nat', 'dr', 'dr-multi-subnet', 'dr-tun'];
// UPDATE_GOLDEN=1 rewrites the golden files from the roles; review the git diff before committing it.
const UPDATE = process.env.UPDATE_GOLDEN === '1';
// Under CI (which sets CI=true) a rewrite would compare the roles with themselves and pass whatever they render.
const IN_CI = Boolean(process.env.CI);

async function renderedFiles(seed: string): Promise<Map<string, string>> {
  const inventory = await loadInventory(join(ROOT, 'inventories', `${seed}.ts`));
  const files = new Map<string, string>();
  for (const host of inventory.hosts) {
    for (const item of desiredState(inventory, host).items) {
      if (item.kind === 'file') files.set(join(host.name, item.path), item.content);
    }
  }
  return files;
}

async function goldenFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), await readFile(path, 'utf8'));
  }
  return files;
}

describe('golden renders of the seed inventories', () => {
  for (const seed of SEEDS) {
    it(`renders inventories/${seed}.ts exactly as test/golden/${seed}/`, async () => {
      const rendered = await renderedFiles(seed);
      const dir = join(GOLDEN, seed);
      if (UPDATE) {
        if (IN_CI) assert.fail(`UPDATE_GOLDEN=1 is refused under CI (CI=${process.env.CI}): rewrite test/golden/ on your own machine, review the git diff and commit it`);
        await rm(dir, { recursive: true, force: true });
        for (const [path, content] of rendered) {
          await mkdir(dirname(join(dir, path)), { recursive: true });
          await writeFile(join(dir, path), content);
        }
      }
      const golden = await goldenFiles(dir);
      assert.deepEqual([...rendered.keys()].sort(), [...golden.keys()].sort());
      for (const [path, content] of rendered) assert.equal(content, golden.get(path), path);
    });
  }
});

describe('what the seed clusters need, file by file', () => {
  it("persists the NAT director's table in ipvsadm-save -n format", async () => {
    const files = await renderedFiles('nat');
    assert.equal(
      files.get('lvs/etc/sysconfig/ipvsadm'),
      ['-A -t 172.16.10.81:80 -s wrr', '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w 1', '-a -t 172.16.10.81:80 -r 192.168.10.72:80 -m -w 1', ''].join('\n'),
    );
    assert.match(files.get('lvs/etc/sysctl.d/90-lvsplay-director-nat.conf')!, /^net\.ipv4\.ip_forward = 1$/m);
  });

  for (const seed of ['dr', 'dr-multi-subnet']) {
    it(`gives every DR real server the four ARP settings and the VIP on lo:1 (${seed})`, async () => {
      const files = await renderedFiles(seed);
      const vip = seed === 'dr' ? '192.168.10.100' : '172.16.10.81';
      for (const host of ['rs1', 'rs2']) {
        const sysctl = files.get(`${host}/etc/sysctl.d/90-lvsplay-realserver-dr.conf`)!;
        for (const line of ['net.ipv4.conf.all.arp_ignore = 1', 'net.ipv4.conf.all.arp_announce = 2', 'net.ipv4.conf.lo.arp_ignore = 1', 'net.ipv4.conf.lo.arp_announce = 2']) {
          assert.ok(sysctl.split('\n').includes(line), `${host} lacks ${line}`);
        }
        const ifcfg = files.get(`${host}/etc/sysconfig/network-scripts/ifcfg-lo:1`)!;
        assert.match(ifcfg, new RegExp(`^IPADDR=${vip.replaceAll('.', '\\.')}$`, 'm'));
        assert.match(ifcfg, /^NETMASK=255\.255\.255\.255$/m);
        assert.match(ifcfg, /^DEVICE=lo:1$/m);
      }
      assert.match(files.get('lvs/etc/sysconfig/ipvsadm')!, new RegExp(`^-a -t ${vip.replaceAll('.', '\\.')}:80 -r 192\\.168\\.10\\.72:80 -g -w 1$`, 'm'));
    });
  }

  it("adds seed 4.3's second router address at boot", async () => {
    const files = await renderedFiles('dr-multi-subnet');
    assert.match(files.get('router/etc/systemd/system/lvsplay-addresses.service')!, /^ExecStart=ip address replace 172\.16\.10\.84\/24 dev eth0$/m);
  });
});
