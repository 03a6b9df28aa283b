import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { desiredState } from '../../../roles/index.ts';
import { loadInventory } from '../../../src/inventory/load.ts';
import { itemKey } from '../../../src/items/registry.ts';

const INVENTORY = fileURLToPath(new URL('../../../inventories/dr-tun.ts', import.meta.url));

describe('LVS-TUN roles (inventories/dr-tun.ts)', () => {
  it('a TUN real server loads ipip, brings tunl0 up, carries the VIP on tunl0:1 now and at boot, and relaxes rp_filter only as far as tunl0 needs', async () => {
    const inventory = await loadInventory(INVENTORY);
    for (const name of ['rs1', 'rs3']) {
      const keys = desiredState(inventory, inventory.hosts.find((h) => h.name === name)!).items.map(itemKey);
      assert.deepEqual(keys, [
        'file /etc/sysctl.d/90-lvsplay-realserver-tun.conf',
        'sysctl net.ipv4.conf.all.arp_ignore',
        'sysctl net.ipv4.conf.all.arp_announce',
        'sysctl net.ipv4.conf.all.rp_filter',
        'sysctl net.ipv4.conf.tunl0.rp_filter',
        'file /etc/modules-load.d/lvsplay-tun.conf',
        'module ipip',
        'link tunl0',
        'file /etc/systemd/system/lvsplay-tunl-vip@.service',
        'file /etc/sysconfig/network-scripts/ifcfg-tunl0:1',
        'address 192.168.10.100/32 tunl0',
        'unit lvsplay-tunl-vip@1.service',
      ]);
    }
  });

  it('the director carries the VIP on lo:1 as a DR director does and sends to both real servers with -i, rs3 at its address behind the router', async () => {
    const inventory = await loadInventory(INVENTORY);
    const items = desiredState(inventory, inventory.hosts.find((h) => h.name === 'lvs')!).items;
    assert.ok(items.some((item) => item.kind === 'address' && item.device === 'lo' && item.cidr.address === '192.168.10.100'));
    const ipvs = items.find((item) => item.kind === 'ipvs');
    assert.ok(ipvs?.kind === 'ipvs');
    assert.deepEqual(
      ipvs.table[0]!.destinations.map((d) => `${d.address}:${d.port} ${d.forwarding}`),
      ['192.168.10.71:80 tunnel', '192.168.40.73:80 tunnel'],
    );
  });
});
