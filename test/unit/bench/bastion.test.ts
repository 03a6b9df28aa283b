import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bastionSshConfig, countSshConnections, SAMPLE_END } from '../../../bench/fleet/bastion.ts';
import { fleetSlots } from '../../../bench/fleet/addresses.ts';
import { scaleInventorySource } from '../../../bench/fleet/inventory.ts';
import { bastionArgs } from '../../../bench/tiers/bastion.ts';
import { loadInventory } from '../../../src/inventory/load.ts';
import { sshConfigFiles } from '../../../src/ssh/config/files.ts';
import { reachHosts } from '../../../src/ssh/reach.ts';

describe('bench bastion tier: the inventory behind the bastion and the ssh config naming it', function () {
  this.timeout(20_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-bastion-bench-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('routes every fleet host through the bastion the config names, with the fleet key for both', async () => {
    const inventoryFile = join(dir, 'behind.ts');
    await writeFile(inventoryFile, scaleInventorySource({ count: 4, privateKey: '/keys/fleet', proxyJump: 'lvsbench-bastion' }));
    const configFile = join(dir, 'ssh_config');
    await writeFile(configFile, bastionSshConfig({ alias: 'lvsbench-bastion', address: '10.213.1.5', user: 'root', privateKey: '/keys/fleet' }));
    const inventory = await loadInventory(inventoryFile);
    const fleet = inventory.hosts.filter((h) => h.name !== 'director');
    const reaches = await reachHosts(fleet, { files: sshConfigFiles(dir, configFile), home: dir, localUser: 'nobody', commandLine: {} });
    assert.deepEqual(
      fleet.map((h) => {
        const { target, jumps } = reaches.get(h.name)!.route;
        return [h.name, target.host, target.user, target.privateKey, jumps.map((j) => [j.host, j.port, j.user, j.identityFiles, j.identitiesOnly])];
      }),
      fleetSlots(4).map((s) => [s.name, s.address, 'root', '/keys/fleet', [['10.213.1.5', 22, 'root', ['/keys/fleet'], true]]]),
    );
  });

  it("names the lab router's forwarded port, which the config reader takes for the jump", async () => {
    const inventoryFile = join(dir, 'lab-behind.ts');
    await writeFile(inventoryFile, scaleInventorySource({ count: 2, privateKey: '/keys/fleet', proxyJump: 'lab-bastion' }));
    const configFile = join(dir, 'lab_ssh_config');
    await writeFile(configFile, bastionSshConfig({ alias: 'lab-bastion', address: '127.0.0.1', port: 40123, user: 'root', privateKey: '/keys/router' }));
    const fleet = (await loadInventory(inventoryFile)).hosts.filter((h) => h.name !== 'director');
    const reaches = await reachHosts(fleet, { files: sshConfigFiles(dir, configFile), home: dir, localUser: 'nobody', commandLine: {} });
    assert.deepEqual(
      fleet.map((h) => reaches.get(h.name)!.route.jumps.map((j) => [j.host, j.port, j.identityFiles])),
      fleet.map(() => [['127.0.0.1', 40123, ['/keys/router']]]),
    );
    assert.throws(() => bastionSshConfig({ alias: 'b', address: '127.0.0.1', port: 0, user: 'root', privateKey: '/k' }), /port must be 1 to 65535/);
  });

  it('leaves the scale inventory direct when no bastion is given', async () => {
    const file = join(dir, 'direct.ts');
    await writeFile(file, scaleInventorySource({ count: 3, privateKey: '/keys/fleet' }));
    const inventory = await loadInventory(file);
    assert.deepEqual(
      inventory.hosts.map((h) => h.ssh.proxyJump),
      inventory.hosts.map(() => undefined),
    );
  });

  it('refuses a bastion field ssh_config would split or cut at a comment', () => {
    const spec = { alias: 'b', address: '10.213.1.5', user: 'root', privateKey: '/keys/fleet' };
    assert.throws(() => bastionSshConfig({ ...spec, privateKey: '/my keys/fleet' }), /privateKey must be one word/);
    assert.throws(() => bastionSshConfig({ ...spec, alias: 'b#1' }), /alias must be one word/);
    assert.throws(() => bastionSshConfig({ ...spec, user: '' }), /user must be one word/);
  });
});

describe('bench bastion tier: counting SSH connections in ss samples', () => {
  const sample = (...lines: string[]) => `${lines.join('\n')}\n${SAMPLE_END}\n`;

  it('counts each connection once across samples, to the bastion apart from the others', () => {
    const output =
      sample('0      0      10.213.0.1:40000 10.213.1.101:22', '0      0      10.213.0.1:40002 10.213.1.7:22') +
      sample('0      0      10.213.0.1:40000 10.213.1.101:22', '0      0      10.213.0.1:40003 10.213.1.8:22') +
      sample();
    const seen = countSshConnections(output, '10.213.1.101');
    assert.deepEqual([...seen.toBastion], ['10.213.0.1:40000 10.213.1.101:22']);
    assert.deepEqual([...seen.toOthers], ['10.213.0.1:40002 10.213.1.7:22', '10.213.0.1:40003 10.213.1.8:22']);
    assert.equal(seen.mostAtOnceToBastion, 1);
    assert.equal(seen.samples, 3);
  });

  it('sees a second connection to the bastion, opened after the first closed, as two', () => {
    const output = sample('0 0 10.213.0.1:40000 10.213.1.101:22') + sample('0 0 10.213.0.1:40001 10.213.1.101:22');
    const seen = countSshConnections(output, '10.213.1.101');
    assert.equal(seen.toBastion.size, 2);
    assert.equal(seen.mostAtOnceToBastion, 1);
  });

  it('takes the most connections to the bastion open in one sample', () => {
    const seen = countSshConnections(sample('0 0 10.213.0.1:1 10.213.1.101:22', '0 0 10.213.0.1:2 10.213.1.101:22'), '10.213.1.101');
    assert.equal(seen.mostAtOnceToBastion, 2);
  });

  it('ignores connections not to port 22, a bastion address that only starts alike, and a sample cut short', () => {
    const output = sample('0 0 10.213.0.1:5000 10.213.1.101:80', '0 0 10.213.0.1:5001 10.213.1.10:22', '0 0 10.213.0.1:5002 10.213.1.1011:22') + '0 0 10.213.0.1:5003';
    const seen = countSshConnections(output, '10.213.1.101');
    assert.equal(seen.toBastion.size, 0);
    assert.deepEqual([...seen.toOthers], ['10.213.0.1:5001 10.213.1.10:22', '10.213.0.1:5002 10.213.1.1011:22']);
    assert.equal(seen.samples, 1);
  });
});

describe('bench bastion tier: its command line', () => {
  it('reads hosts, forks and repeat, and refuses what is not a whole number in range', () => {
    const options = bastionArgs(['--hosts', '100', '--forks', '50', '--repeat', '5', '--json', 'out.json']);
    assert.deepEqual([options.hosts, options.forks, options.repeat, options.json], [100, 50, 5, 'out.json']);
    assert.equal(bastionArgs([]).repeat, 3);
    assert.throws(() => bastionArgs(['--hosts', '1']), /--hosts must be a whole number ≥ 2, got '1'/);
    assert.throws(() => bastionArgs(['--repeat', '2.5']), /--repeat must be a whole number ≥ 3/);
  });
});
