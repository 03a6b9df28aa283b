import type { Role } from './role.ts';

/**
 * Needs nothing written: the director rewrites addresses. Its replies must go back through the director,
 * which the inventory check has held for the configured gateway and the run checks on the live host.
 */
export const realserverNat: Role = (inventory, host) => {
  const service = inventory.services.find((s) => s.forwarding === 'nat' && s.realServers.some((rs) => rs.host === host.name));
  if (!service || !host.gateway) return [];
  return [
    {
      kind: 'default-route',
      via: host.gateway,
      reason: service.failover?.gateway
        ? `NAT replies must return through the director holding ${service.failover.gateway} (VRRP's MASTER)`
        : `NAT replies must return through director ${service.directors[0]}`,
    },
  ];
};
