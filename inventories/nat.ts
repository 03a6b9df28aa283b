// Seed 4.1, LVS-NAT: the client reaches the VIP on the director's outside interface (eth1); the director
// rewrites each request to a real server on the inside network, whose replies must come back through it.
// The seed gives RS2 RS1's address (192.168.10.71); here it has its own, 192.168.10.72.
import { defineInventory } from 'lvsplay';

export default defineInventory({
  hosts: {
    lvs: {
      interfaces: { eth0: '192.168.10.81/24', eth1: '172.16.10.81/24' },
      roles: ['director-nat'],
    },
    rs1: {
      interfaces: { eth0: '192.168.10.71/24' },
      gateway: '192.168.10.81',
      roles: ['realserver-nat'],
    },
    rs2: {
      interfaces: { eth0: '192.168.10.72/24' },
      gateway: '192.168.10.81',
      roles: ['realserver-nat'],
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
