// Seed 4.3, LVS-DR with the VIP on another subnet: as 4.2, but the VIP 172.16.10.81 is not on the hosts'
// network, so the router gets 172.16.10.84/24 as a second address on eth0 to reach it.
import { defineInventory } from 'lvsplay';

export default defineInventory({
  hosts: {
    router: {
      interfaces: { eth0: '192.168.10.84/24', eth1: '192.168.30.10/24' },
      extraAddresses: { eth0: '172.16.10.84/24' },
      roles: ['router'],
    },
    lvs: {
      interfaces: { eth0: '192.168.10.81/24' },
      gateway: '192.168.10.200',
      roles: ['director-dr'],
    },
    rs1: {
      interfaces: { eth0: '192.168.10.71/24' },
      gateway: '192.168.10.84',
      roles: ['realserver-dr'],
    },
    rs2: {
      interfaces: { eth0: '192.168.10.72/24' },
      gateway: '192.168.10.84',
      roles: ['realserver-dr'],
    },
  },
  services: [
    {
      vip: '172.16.10.81',
      port: 80,
      scheduler: 'wrr',
      director: 'lvs',
      realServers: [{ host: 'rs1' }, { host: 'rs2' }],
    },
  ],
});
