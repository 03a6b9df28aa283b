// keepalived.conf as the director roles render it for a pair and for health checks, checked by the real
// `keepalived -t` of this machine (Debian's keepalived package, which .ci/run installs); and the write step
// that installs it, run by dash: a configuration keepalived refuses never replaces the one it runs.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desiredState } from '../../../roles/index.ts';
import { KEEPALIVED_CONF } from '../../../roles/parts/keepalived.ts';
import { applyScript } from '../../../src/apply/script.ts';
import type { FileItem } from '../../../src/desired/state.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import type { Inventory } from '../../../src/inventory/model.ts';
import { fileKind } from '../../../src/items/file.ts';
import { natPairInventory, pairInventory } from '../inventory/cases.ts';
import { svc } from '../ipvs/helpers.ts';

const KEEPALIVED = '/usr/sbin/keepalived';

function pairOf(healthCheck?: object, vrrp?: object): Inventory {
  const inv = pairInventory();
  if (healthCheck) inv.services[0].healthCheck = healthCheck;
  if (vrrp) inv.services[0].vrrp = vrrp;
  return checkInventory('inventory.ts', inv);
}

function confOf(inventory: Inventory, host: string): FileItem {
  const item = desiredState(inventory, inventory.hosts.find((h) => h.name === host)!).items.find((i) => i.kind === 'file' && i.path === KEEPALIVED_CONF);
  assert.ok(item?.kind === 'file', `${host} has no ${KEEPALIVED_CONF}`);
  return item;
}

/**
 * `keepalived -t -f` of `content`: its exit status and what it printed. keepalived refuses an interface the
 * machine lacks, so it runs in a network namespace of its own holding the director's interfaces (each a veth
 * end: what this kernel has without loading a module), whatever this machine's own are called.
 */
function configTest(content: string, interfaces: readonly string[] = ['eth0']): { status: number | null; said: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lvsplay-keepalived-'));
  try {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, content);
    const links = interfaces.map((name, index) => `ip link add ${name} type veth peer name lvsplay-peer${index}`).join(' && ');
    const result = spawnSync('unshare', ['--map-root-user', '--net', 'sh', '-c', `${links} && exec ${KEEPALIVED} -t -f "$0"`, file], { encoding: 'utf8' });
    return { status: result.status, said: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('keepalived.conf of a director pair', () => {
  before(() => {
    assert.ok(existsSync(KEEPALIVED), `${KEEPALIVED} is missing: install Debian's keepalived package (.ci/run does) to run these tests`);
  });

  it('gives each director of the pair one VRRP instance, the first preferred, and the VIP on its DIP interface, not on lo', () => {
    const inventory = pairOf();
    const lvs = confOf(inventory, 'lvs').content;
    const lvs2 = confOf(inventory, 'lvs2').content;
    assert.match(lvs, /vrrp_instance LVSPLAY_51 \{\n {4}state BACKUP\n {4}interface eth0\n {4}virtual_router_id 51\n {4}priority 150\n/);
    assert.match(lvs2, /priority 100\n/);
    assert.match(lvs, /virtual_ipaddress \{\n {8}192\.168\.10\.100\/32 dev eth0\n {4}\}/);
    assert.match(lvs, /lvs_sync_daemon eth0 LVSPLAY_51\n/);
    assert.match(lvs, /virtual_server 192\.168\.10\.100 80 \{\n {4}delay_loop 60\n {4}lb_algo rr\n {4}lb_kind DR\n {4}protocol TCP\n/);
    // The pair's VIP is VRRP's: no ifcfg-lo file nor lo address on its directors; the real servers keep theirs.
    for (const director of ['lvs', 'lvs2']) {
      const items = desiredState(inventory, inventory.hosts.find((h) => h.name === director)!).items;
      assert.ok(!items.some((i) => (i.kind === 'address' && i.device === 'lo') || (i.kind === 'file' && i.path.includes('ifcfg-lo'))), director);
      const ipvs = items.find((i) => i.kind === 'ipvs');
      assert.ok(ipvs?.kind === 'ipvs' && ipvs.table.length === 0, 'lvsplay writes none of keepalived’s services');
      // Handed over as the inventory wants them live, for `lvsplay status` to compare.
      assert.deepEqual(ipvs.keepalived, [svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 1')]);
    }
    const rs1 = desiredState(inventory, inventory.hosts.find((h) => h.name === 'rs1')!).items;
    assert.ok(rs1.some((i) => i.kind === 'address' && i.device === 'lo'));
  });

  it('is accepted by keepalived -t, with each kind of check and unicast adverts', () => {
    for (const healthCheck of [undefined, { type: 'tcp' }, { type: 'http', path: '/health', status: 200, digest: 'd41d8cd98f00b204e9800998ecf8427e', onFailure: 'weight0' }, { type: 'https' }]) {
      const inventory = pairOf(healthCheck);
      for (const director of ['lvs', 'lvs2']) {
        const { status, said } = configTest(confOf(inventory, director).content);
        assert.deepEqual({ status, said }, { status: 0, said: '' }, `${JSON.stringify(healthCheck)} on ${director}`);
      }
    }
    const unicast = confOf(pairOf({ type: 'tcp' }, { unicast: true, advertInterval: 2 }), 'lvs2').content;
    assert.match(unicast, /advert_int 2\n {4}unicast_src_ip 192\.168\.10\.82\n {4}unicast_peer \{\n {8}192\.168\.10\.81\n {4}\}\n/);
    assert.deepEqual(configTest(unicast), { status: 0, said: '' });
  });

  it("gives a NAT pair two instances in a sync group: the VIP on the outside interface, the real servers' gateway on the DIP's; keepalived -t accepts both directors'", () => {
    const inventory = checkInventory('inventory.ts', natPairInventory());
    const lvs = confOf(inventory, 'lvs').content;
    assert.match(lvs, /vrrp_sync_group LVSPLAY_51_NAT \{\n {4}group \{\n {8}LVSPLAY_51\n {8}LVSPLAY_51_GATEWAY\n {4}\}\n\}/);
    assert.match(
      lvs,
      /vrrp_instance LVSPLAY_51 \{\n {4}state BACKUP\n {4}interface eth1\n {4}virtual_router_id 51\n {4}priority 150\n {4}advert_int 1\n {4}virtual_ipaddress \{\n {8}172\.16\.10\.80\/32 dev eth1\n {4}\}/,
    );
    assert.match(
      lvs,
      /vrrp_instance LVSPLAY_51_GATEWAY \{\n {4}state BACKUP\n {4}interface eth0\n {4}virtual_router_id 51\n {4}priority 150\n {4}advert_int 1\n {4}virtual_ipaddress \{\n {8}192\.168\.10\.80\/32 dev eth0\n {4}\}/,
    );
    // Connection updates travel inside, between the DIPs.
    assert.match(lvs, /lvs_sync_daemon eth0 LVSPLAY_51_GATEWAY\n/);
    assert.match(lvs, /virtual_server 172\.16\.10\.80 80 \{\n {4}delay_loop 1\n {4}lb_algo wrr\n {4}lb_kind NAT\n/);
    for (const director of ['lvs', 'lvs2']) assert.deepEqual(configTest(confOf(inventory, director).content, ['eth0', 'eth1']), { status: 0, said: '' }, director);
    const unicast = natPairInventory();
    unicast.services[0].vrrp.unicast = true;
    const lvs2 = confOf(checkInventory('inventory.ts', unicast), 'lvs2').content;
    assert.match(lvs2, /interface eth1\n(?:.*\n){3}\s+unicast_src_ip 172\.16\.10\.82\n {4}unicast_peer \{\n {8}172\.16\.10\.81\n/);
    assert.match(lvs2, /interface eth0\n(?:.*\n){3}\s+unicast_src_ip 192\.168\.10\.82\n {4}unicast_peer \{\n {8}192\.168\.10\.81\n/);
    assert.deepEqual(configTest(lvs2, ['eth0', 'eth1']), { status: 0, said: '' });
    // The real servers' default route is the floating gateway.
    const rs1 = desiredState(inventory, inventory.hosts.find((h) => h.name === 'rs1')!).items;
    assert.deepEqual(
      rs1.filter((i) => i.kind === 'default-route').map((i) => i.kind === 'default-route' && i.via),
      ['192.168.10.80'],
    );
  });

  it('turns retries and interval into keepalived’s retry and delay_before_retry', () => {
    const conf = confOf(pairOf({ type: 'http', path: '/health', interval: 2, timeout: 1, retries: 3, onFailure: 'weight0' }), 'lvs').content;
    assert.match(
      conf,
      /real_server 192\.168\.10\.71 80 \{\n {8}weight 1\n {8}inhibit_on_failure\n {8}HTTP_GET \{\n {12}url \{\n {16}path \/health\n {16}status_code 200\n {12}\}\n {12}connect_timeout 1\n {12}retry 2\n {12}delay_before_retry 2\n/,
    );
    assert.match(conf, /delay_loop 2\n/);
  });

  it('is not installed when keepalived -t refuses it: the write step fails naming the line, and the running file stays', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsplay-keepalived-write-'));
    try {
      const path = join(dir, 'keepalived.conf');
      const good = confOf(pairOf({ type: 'tcp' }), 'lvs');
      writeFileSync(path, 'running\n');
      // A template mistake: a keyword keepalived does not know.
      const broken: FileItem = { ...good, path, content: good.content.replace('lb_algo rr', 'lb_algoo rr') };
      const [step] = fileKind.steps!([{ ...broken, roles: ['director-dr'], verdict: { status: 'change', reason: 'content differs' } }]);
      const script = applyScript([{ ...step!, id: 1 }], 'run-1').replace(/^lvsplay_backup=.*$/m, `lvsplay_backup='${dir}/backup'`);
      const output = execFileSync('dash', ['-s'], { input: script, encoding: 'utf8' });
      assert.match(output, /^@@lvsplay-step 1 failed 1$/m);
      const line = broken.content.split('\n').findIndex((l) => l.includes('lb_algoo')) + 1;
      assert.match(
        output,
        new RegExp(`keepalived -t refused the new ${path} \\(exit \\d+\\), which was not installed:\\n.*\\(${path.replace(/\//g, '\\/')}: Line ${line}\\) Unknown keyword 'lb_algoo'`),
      );
      assert.equal(readFileSync(path, 'utf8'), 'running\n');
      // The same step with the sound configuration installs it.
      const [goodStep] = fileKind.steps!([{ ...good, path, roles: ['director-dr'], verdict: { status: 'change', reason: 'content differs' } }]);
      const installed = execFileSync('dash', ['-s'], { input: applyScript([{ ...goodStep!, id: 1 }], 'run-1').replace(/^lvsplay_backup=.*$/m, `lvsplay_backup='${dir}/backup'`), encoding: 'utf8' });
      assert.match(installed, /^@@lvsplay-step 1 ok$/m);
      assert.equal(readFileSync(path, 'utf8'), good.content);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
