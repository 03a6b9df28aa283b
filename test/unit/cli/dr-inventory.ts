/** Seed 4.2 (LVS-DR) as YAML, each host reached as `ssh(host)` says (an inline `{ host, port, ... }`). */
export const DR_HOSTS = ['router', 'lvs', 'rs1', 'rs2'] as const;
export type DrHost = (typeof DR_HOSTS)[number];

export function drInventory(ssh: (host: DrHost) => string): string {
  return `hosts:
  router: { interfaces: { eth0: 192.168.10.84/24, eth1: 192.168.30.10/24 }, roles: [router], ssh: ${ssh('router')} }
  lvs: { interfaces: { eth0: 192.168.10.81/24 }, gateway: 192.168.10.200, roles: [director-dr], ssh: ${ssh('lvs')} }
  rs1: { interfaces: { eth0: 192.168.10.71/24 }, gateway: 192.168.10.84, roles: [realserver-dr], ssh: ${ssh('rs1')} }
  rs2: { interfaces: { eth0: 192.168.10.72/24 }, gateway: 192.168.10.84, roles: [realserver-dr], ssh: ${ssh('rs2')} }
services:
  - { vip: 192.168.10.100, port: 80, scheduler: rr, director: lvs, realServers: [{ host: rs1 }, { host: rs2 }] }
`;
}
