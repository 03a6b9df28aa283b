// Firewall-mark services (issue 14), from the inventory to the director's desired table, rules file and
// nftables table.
import { strict as assert } from 'node:assert';
import { fwmarkItems } from '../../../roles/parts/fwmark.ts';
import { ipvsItems, ipvsTableOf } from '../../../roles/parts/ipvs.ts';
import { desiredState } from '../../../roles/index.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import { baseInventory } from '../inventory/cases.ts';

function markedInventory(base: 'dr' | 'nat') {
  const inv = baseInventory(base);
  const { port: _port, ...web } = inv.services[0];
  inv.services[0] = { ...web, fwmark: 1, ports: [443, 80], scheduler: 'rr', persistence: 300 };
  return checkInventory('inventory.ts', inv);
}

describe('firewall-mark services in the director roles', () => {
  const inventory = markedInventory('dr');
  const lvs = inventory.hosts.find((h) => h.name === 'lvs')!;

  it('make an -f service whose real servers have port 0, in the rules file as ipvsadm-save prints it', () => {
    assert.deepEqual(ipvsTableOf(inventory, lvs), [
      {
        fwmark: 1,
        scheduler: 'rr',
        persistence: 300,
        destinations: [
          { address: '192.168.10.71', port: 0, forwarding: 'route', weight: 1 },
          { address: '192.168.10.72', port: 0, forwarding: 'route', weight: 1 },
        ],
      },
    ]);
    const rules = ipvsItems(inventory, lvs).find((item) => item.kind === 'file' && item.path === '/etc/sysconfig/ipvsadm');
    assert.equal(rules?.kind === 'file' && rules.content, ['-A -f 1 -s rr -p 300', '-a -f 1 -r 192.168.10.71:0 -g -w 1', '-a -f 1 -r 192.168.10.72:0 -g -w 1', ''].join('\n'));
  });

  it('install nftables and write, load at boot and keep live the table that marks the ports of the VIP', () => {
    const items = fwmarkItems(inventory, lvs);
    assert.deepEqual(
      items.map((item) => item.kind),
      ['package', 'file', 'file', 'unit', 'nft-table'],
    );
    const file = items.find((item) => item.kind === 'file' && item.path === '/etc/lvsplay/fwmark.nft');
    const content = file?.kind === 'file' ? file.content : '';
    assert.match(content, /^table ip lvsplay\ndelete table ip lvsplay\ntable ip lvsplay \{$/m);
    assert.match(content, /^\t\tip daddr 192\.168\.10\.100 tcp dport \{ 80, 443 \} meta mark set 0x00000001$/m);
    const unit = items.find((item) => item.kind === 'file' && item.path === '/etc/systemd/system/lvsplay-fwmark.service');
    assert.match(unit?.kind === 'file' ? unit.content : '', /^ExecStart=nft -f \/etc\/lvsplay\/fwmark\.nft\nExecStop=-nft delete table ip lvsplay$/m);
  });

  it('keep the VIP on lo of the DR real servers, and give a real server nothing of the mark', () => {
    const rs1 = desiredState(inventory, inventory.hosts.find((h) => h.name === 'rs1')!);
    assert.ok(rs1.items.some((item) => item.kind === 'address' && item.device === 'lo' && item.cidr.address === '192.168.10.100'));
    assert.ok(!rs1.items.some((item) => item.kind === 'nft-table' || (item.kind === 'package' && item.name === 'nftables')));
  });

  it('on a NAT director too, the real servers masqueraded on the port each packet has', () => {
    const nat = markedInventory('nat');
    const director = nat.hosts.find((h) => h.name === 'lvs')!;
    assert.deepEqual(
      ipvsTableOf(nat, director)[0]!.destinations.map((d) => [d.port, d.forwarding]),
      [
        [0, 'masq'],
        [0, 'masq'],
      ],
    );
    assert.ok(desiredState(nat, director).items.some((item) => item.kind === 'nft-table'));
  });

  it('give a director without a mark no nftables at all', () => {
    const plain = checkInventory('inventory.ts', baseInventory('dr'));
    assert.deepEqual(fwmarkItems(plain, plain.hosts.find((h) => h.name === 'lvs')!), []);
  });
});
