// LVS-TUN: the director sends each request to a real server inside an IP-in-IP packet, so a real server may
// sit on another network (rs3, behind the router) as well as on the director's own (rs1). Each real server
// carries the VIP on tunl0 and answers the client directly, as in DR.
import { defineInventory } from 'lvsplay';

export default defineInventory({
  hosts: {
    router: {
      interfaces: { eth0: '192.168.10.84/24', eth1: '192.168.30.10/24', eth2: '192.168.40.84/24' },
      roles: ['router'],
    },
    lvs: {
      interfaces: { eth0: '192.168.10.81/24' },
      // The way to rs3's network: a TUN director routes its tunnelled packets like any other.
      gateway: '192.168.10.84',
      roles: ['director-dr'],
    },
    rs1: {
      interfaces: { eth0: '192.168.10.71/24' },
      gateway: '192.168.10.84',
      roles: ['realserver-tun'],
    },
    rs3: {
      interfaces: { eth0: '192.168.40.73/24' },
      gateway: '192.168.40.84',
      roles: ['realserver-tun'],
    },
  },
  services: [
    {
      vip: '192.168.10.100',
      port: 80,
      scheduler: 'rr',
      forwarding: 'tun',
      director: 'lvs',
      realServers: [{ host: 'rs1' }, { host: 'rs3' }],
    },
  ],
});
