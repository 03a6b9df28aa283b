// Seed 4.2 kept up when a host dies: two directors, lvs preferred and lvs2 standing by, hold the VIP with
// keepalived's VRRP (it moves to lvs2 within seconds of lvs going down, and established connections follow
// through the IPVS sync daemon), and keepalived checks each real server's web page, taking one out of the
// table while it fails. The real servers carry the VIP on lo:1 with the ARP settings, as in seed 4.2.
import { defineInventory } from 'lvsplay';

export default defineInventory({
  hosts: {
    router: {
      interfaces: { eth0: '192.168.10.84/24', eth1: '192.168.30.10/24' },
      roles: ['router'],
    },
    lvs: {
      interfaces: { eth0: '192.168.10.81/24' },
      gateway: '192.168.10.200',
      roles: ['director-dr'],
    },
    lvs2: {
      interfaces: { eth0: '192.168.10.82/24' },
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
      directors: ['lvs', 'lvs2'],
      // A real server is out after 2 failed checks 1 s apart, and back after one that passes.
      healthCheck: { type: 'http', path: '/', interval: 1, timeout: 1, retries: 2 },
      realServers: [{ host: 'rs1' }, { host: 'rs2' }],
    },
  ],
});
