import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desiredState } from '../../../roles/index.ts';
import { fleetNetwork, fleetSlots, MAX_FLEET } from '../../../bench/fleet/addresses.ts';
import { scaleInventorySource, scaleLayout } from '../../../bench/fleet/inventory.ts';
import { parseFreshSysctls, undoScript } from '../../../bench/fleet/undo.ts';
import { loadInventory } from '../../../src/inventory/load.ts';
import { selectHosts } from '../../../src/select.ts';

describe('bench fleet: names and addresses', () => {
  it('gives the bridge .0.1 and the containers .1.1 on, 250 to a /24', () => {
    assert.equal(fleetNetwork().bridge, '10.213.0.1/16');
    const slots = fleetSlots(252);
    assert.deepEqual(slots[0], { name: 'c001', address: '10.213.1.1' });
    assert.deepEqual(slots[249], { name: 'c250', address: '10.213.1.250' });
    assert.deepEqual(slots[250], { name: 'c251', address: '10.213.2.1' });
    assert.equal(new Set(slots.map((s) => s.address)).size, 252);
  });

  it('keeps the spare addresses out of the containers and off the bridge', () => {
    const network = fleetNetwork('10.99.0.0');
    const used = new Set([network.bridge.split('/')[0], ...fleetSlots(600, '10.99.0.0').map((s) => s.address)]);
    for (const spare of network.spare) assert.ok(!used.has(spare), spare);
  });

  it('widens names past 999 containers, so that they sort and stay unique', () => {
    assert.equal(fleetSlots(1000)[999]!.name, 'c1000');
    assert.equal(fleetSlots(1000)[0]!.name, 'c0001');
  });

  it('refuses a public or malformed base, and counts out of range', () => {
    assert.throws(() => fleetSlots(3, '8.8.0.0'), /private range/);
    assert.throws(() => fleetSlots(3, '10.1.2.0'), /\/16 network address/);
    assert.throws(() => fleetSlots(0), /1 container or more/);
    assert.throws(() => fleetSlots(MAX_FLEET + 1), /at most/);
  });
});

describe('bench fleet: the scale inventory', function () {
  this.timeout(20_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-scale-inv-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(count: number) {
    const file = join(dir, `scale-${count}.ts`);
    await writeFile(file, scaleInventorySource({ count, privateKey: '/keys/fleet' }));
    return loadInventory(file);
  }

  it('is a valid inventory whose hosts are the fleet, plus a director', async () => {
    const inventory = await load(7);
    const slots = fleetSlots(7);
    const fleetHosts = inventory.hosts.filter((h) => h.name !== 'director');
    assert.deepEqual(
      fleetHosts.map((h) => [h.name, h.ssh.host, h.ssh.user, h.ssh.privateKey]),
      slots.map((s) => [s.name, s.address, 'root', '/keys/fleet']),
    );
    assert.deepEqual(
      fleetHosts.map((h) => h.interfaces.map((i) => i.name)),
      slots.map(() => ['host0']),
    );
    assert.deepEqual(
      fleetHosts.map((h) => h.roles),
      [['router'], ...slots.slice(1).map(() => ['realserver-dr'])],
    );
    const [service] = inventory.services;
    assert.deepEqual(service?.directors, ['director']);
    assert.deepEqual(
      service?.realServers.map((rs) => rs.address),
      slots.slice(1).map((s) => s.address),
    );
  });

  it('matches the fleet past the first /24 (the loop and addresses.ts agree)', async () => {
    const inventory = await load(260);
    const byName = new Map(inventory.hosts.map((h) => [h.name, h.ssh.host]));
    for (const slot of fleetSlots(260)) assert.equal(byName.get(slot.name), slot.address, slot.name);
  });

  it('leaves the director out when run with the router and realserver-dr roles', async () => {
    const inventory = await load(5);
    const layout = scaleLayout({ count: 5 });
    const selected = selectHosts(inventory, { roles: [...layout.roles], limits: [] });
    assert.deepEqual(
      selected.map((s) => s.host.name),
      fleetSlots(5).map((s) => s.name),
    );
    assert.ok(!selected.some((s) => s.host.name === layout.director.name));
    assert.ok(!fleetSlots(5).some((s) => s.address === layout.director.address || s.address === layout.vip));
  });

  it('undoes every item a host converges, in a script per host', async () => {
    const inventory = await load(3);
    const rs = inventory.hosts.find((h) => h.name === 'c002')!;
    const state = desiredState(inventory, rs);
    const keys = state.items.flatMap((i) => (i.kind === 'sysctl' ? [i.key] : []));
    assert.equal(keys.length, 4);
    const script = undoScript(state, new Map(keys.map((key) => [key, '0'])));
    assert.match(script, /systemctl disable --now 'lvsplay-vip@1\.service'/);
    assert.match(script, /ip address del '10\.213\.0\.3\/32' dev 'lo'/);
    assert.match(script, /rm -f '\/etc\/sysctl\.d\/90-lvsplay-realserver-dr\.conf'/);
    assert.match(script, /printf '%s\\n' '0' > '\/proc\/sys\/net\/ipv4\/conf\/all\/arp_ignore'/);
    assert.match(script, /systemctl daemon-reload/);
    assert.throws(() => undoScript(state, new Map()), /no fresh value/);
  });

  it('reads the fresh sysctl values back as they were printed', () => {
    assert.deepEqual(
      [...parseFreshSysctls('net.ipv4.ip_forward\t0\nnet.ipv4.conf.all.arp_ignore\t1\n')],
      [
        ['net.ipv4.ip_forward', '0'],
        ['net.ipv4.conf.all.arp_ignore', '1'],
      ],
    );
  });
});
