// Seed 4.2, LVS-DR on one subnet: the director and both real servers carry the VIP on lo:1; the director
// rewrites only the MAC address, and the real servers answer the client directly through the router.
import { defineInventory } from 'lvsplay';

export default defineInventory({
  hosts: {
    router: {
      interfaces: { eth0: '192.168.10.84/24', eth1: '192.168.30.10/24' },
      roles: ['router'],
    },
    lvs: {
      interfaces: { eth0: '192.168.10.81/24' },
      // DR replies never pass the director, but without a default route it drops the client's packets.
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
      vip: '192.168.10.100',
      port: 80,
      scheduler: 'rr',
      director: 'lvs',
      realServers: [{ host: 'rs1' }, { host: 'rs2' }],
    },
  ],
});
