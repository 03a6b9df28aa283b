// The service options of issue 14, from the inventory to the director's desired table and rules file.
import { strict as assert } from 'node:assert';
import { ipvsItems, ipvsTableOf } from '../../../roles/parts/ipvs.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import { baseInventory } from '../inventory/cases.ts';

describe('service options in the director role', () => {
  const inv = baseInventory('dr');
  inv.services[0] = { ...inv.services[0], scheduler: 'sh', persistence: 60, persistenceNetmask: '255.255.255.0', schedulerFlags: ['sh-port', 'sh-fallback'] };
  inv.services[0].realServers = [{ host: 'rs1', weight: 2, upperThreshold: 10, lowerThreshold: 5 }, { host: 'rs2' }];
  inv.services.push({
    vip: '192.168.10.100',
    port: 5060,
    protocol: 'udp',
    scheduler: 'rr',
    persistence: 120,
    persistenceEngine: 'sip',
    onePacket: true,
    director: 'lvs',
    realServers: [{ host: 'rs1' }],
  });
  inv.services.push({ vip: '192.168.10.100', port: 3868, protocol: 'sctp', director: 'lvs', realServers: [{ host: 'rs2', upperThreshold: 3 }] });
  const inventory = checkInventory('inventory.ts', inv);
  const lvs = inventory.hosts.find((h) => h.name === 'lvs')!;

  it('puts each option into the desired service and real server, flags in the kernel’s order', () => {
    const [web, sip, sctp] = ipvsTableOf(inventory, lvs);
    assert.deepEqual(
      { ...web, destinations: web!.destinations.map((d) => [d.address, d.weight, d.upperThreshold, d.lowerThreshold]) },
      {
        protocol: 'tcp',
        vip: '192.168.10.100',
        port: 80,
        scheduler: 'sh',
        persistence: 60,
        netmask: '255.255.255.0',
        schedFlags: ['sh-fallback', 'sh-port'],
        destinations: [
          ['192.168.10.71', 2, 10, 5],
          ['192.168.10.72', 1, undefined, undefined],
        ],
      },
    );
    assert.deepEqual([sip!.pe, sip!.onePacket, sip!.netmask], ['sip', true, undefined]);
    assert.deepEqual([sctp!.protocol, sctp!.destinations[0]!.upperThreshold], ['sctp', 3]);
  });

  it('writes them into the rules file as ipvsadm-save prints them, thresholds on the -a lines', () => {
    const rules = ipvsItems(inventory, lvs).find((item) => item.kind === 'file' && item.path === '/etc/sysconfig/ipvsadm');
    assert.equal(
      rules?.kind === 'file' && rules.content,
      [
        '-A -t 192.168.10.100:80 -s sh -p 60 -M 255.255.255.0 -b sh-fallback,sh-port',
        '-a -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 2 -x 10 -y 5',
        '-a -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 1',
        '-A -u 192.168.10.100:5060 -s rr -p 120 --pe sip -o',
        '-a -u 192.168.10.100:5060 -r 192.168.10.71:5060 -g -w 1',
        '-A --sctp-service 192.168.10.100:3868 -s wlc',
        '-a --sctp-service 192.168.10.100:3868 -r 192.168.10.72:3868 -g -w 1 -x 3',
        '',
      ].join('\n'),
    );
  });
});
