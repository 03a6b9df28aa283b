// Seed 4.1 kept up when a director dies: two NAT directors, lvs preferred and lvs2 standing by. keepalived's
// VRRP holds the VIP (172.16.10.80) on the MASTER's outside interface and, with it, the inside address the
// real servers route their replies through (192.168.10.80): a NAT reply must pass the director that holds
// the connection, so the gateway moves with the VIP (a vrrp_sync_group), and the IPVS sync daemon hands
// the connections over. keepalived checks each real server's web page, taking one out while it fails.
import { defineInventory } from 'lvsplay';

export default defineInventory({
  hosts: {
    lvs: {
      interfaces: { eth0: '192.168.10.81/24', eth1: '172.16.10.81/24' },
      roles: ['director-nat'],
    },
    lvs2: {
      interfaces: { eth0: '192.168.10.82/24', eth1: '172.16.10.82/24' },
      roles: ['director-nat'],
    },
    rs1: {
      interfaces: { eth0: '192.168.10.71/24' },
      gateway: '192.168.10.80',
      roles: ['realserver-nat'],
    },
    rs2: {
      interfaces: { eth0: '192.168.10.72/24' },
      gateway: '192.168.10.80',
      roles: ['realserver-nat'],
    },
  },
  services: [
    {
      vip: '172.16.10.80',
      port: 80,
      scheduler: 'wrr',
      directors: ['lvs', 'lvs2'],
      vrrp: { gateway: '192.168.10.80' },
      // A real server is out after 2 failed checks 1 s apart, and back after one that passes.
      healthCheck: { type: 'http', path: '/', interval: 1, timeout: 1, retries: 2 },
      realServers: [{ host: 'rs1' }, { host: 'rs2' }],
    },
  ],
});
