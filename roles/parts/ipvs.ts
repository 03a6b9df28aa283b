import { directs, keepalivedManages, type DrainTimeout, type ForwardingMethod, type Host, type Inventory, type VirtualService } from '../../src/inventory/model.ts';
import type { ItemSpec } from '../../src/desired/state.ts';
import { renderIpvsRules } from '../../src/ipvs/rules-file.ts';
import { destinationOf, serviceIdOf, serviceKey, type IpvsForwarding, type IpvsService, type IpvsTable } from '../../src/ipvs/table.ts';
import { IPVS_RULES_FILE } from '../../src/facts/ipvs.ts';
import { renderTemplate } from '../../src/templates.ts';
import { unitFile } from './units.ts';

const IPVS_FORWARDING: Record<ForwardingMethod, IpvsForwarding> = { nat: 'masq', dr: 'route', tun: 'tunnel' };

/** The services this host directs whose table lvsplay writes itself (keepalived writes the others'). */
function ownServices(inventory: Inventory, host: Host): VirtualService[] {
  return inventory.services.filter((service) => directs(service, host.name) && !keepalivedManages(service));
}

/** Every service this host directs and lvsplay manages, NAT and DR alike: that part of a director's table is one whole. */
export function ipvsTableOf(inventory: Inventory, host: Host): IpvsTable {
  return ownServices(inventory, host).map(ipvsServiceOf);
}

/** The services keepalived manages on this host, as the inventory wants them live: the IPVS item leaves them to it. */
function keepalivedTableOf(inventory: Inventory, host: Host): IpvsTable {
  return inventory.services.filter((service) => directs(service, host.name) && keepalivedManages(service)).map(ipvsServiceOf);
}

/** A service as IPVS holds it, whoever writes it: lvsplay's delta and keepalived's virtual_server alike. */
export function ipvsServiceOf(service: VirtualService): IpvsService {
  return {
    ...serviceIdOf(service),
    scheduler: service.scheduler,
    ...(service.persistence !== undefined && { persistence: service.persistence }),
    ...(service.persistenceNetmask !== undefined && { netmask: service.persistenceNetmask }),
    ...(service.persistenceEngine !== undefined && { pe: service.persistenceEngine }),
    ...(service.schedulerFlags !== undefined && { schedFlags: service.schedulerFlags }),
    ...(service.onePacket && { onePacket: true as const }),
    destinations: service.realServers.map((rs) => ({
      ...destinationOf(service, rs),
      forwarding: IPVS_FORWARDING[service.forwarding],
      weight: rs.weight,
      ...(rs.upperThreshold !== undefined && { upperThreshold: rs.upperThreshold }),
      ...(rs.lowerThreshold !== undefined && { lowerThreshold: rs.lowerThreshold }),
    })),
  };
}

function drainTimeoutsOf(inventory: Inventory, host: Host): Record<string, DrainTimeout> {
  return Object.fromEntries(ownServices(inventory, host).map((service) => [serviceKey(serviceIdOf(service)), service.drainTimeout]));
}

export { renderIpvsRules };

/**
 * The live table reached by a delta, the whole table persisted in ipvsadm-save -n format, and a unit that
 * restores it at boot. The unit is only enabled: starting it would flush the live table.
 */
export function ipvsItems(inventory: Inventory, host: Host): ItemSpec[] {
  const table = ipvsTableOf(inventory, host);
  return [
    // ipvsadm first: the IPVS step and the boot unit run it.
    { kind: 'package', name: 'ipvsadm' },
    // Loaded at boot by systemd-modules-load, before systemd-sysctl, so that net.ipv4.vs.* exist to be set.
    { kind: 'file', path: '/etc/modules-load.d/lvsplay-ipvs.conf', content: '# Managed by lvsplay: IPVS, loaded before sysctls and rules.\nip_vs\n', mode: 0o644, notify: [] },
    { kind: 'module', name: 'ip_vs' },
    { kind: 'ipvs', table, drainTimeouts: drainTimeoutsOf(inventory, host), keepalived: keepalivedTableOf(inventory, host) },
    { kind: 'file', path: IPVS_RULES_FILE, content: renderIpvsRules(table), mode: 0o600, notify: [] },
    unitFile('lvsplay-ipvs.service', renderTemplate('lvsplay-ipvs.service.hbs', {})),
    { kind: 'unit', name: 'lvsplay-ipvs.service', startNow: false },
  ];
}

/**
 * Without these, a real server lvsplay deletes keeps its connections black-holed until they time out, and
 * one set to weight 0 keeps getting clients through persistence templates (kubernetes#71358, #71809).
 */
export const IPVS_SETTINGS = {
  'net.ipv4.vs.expire_nodest_conn': '1',
  'net.ipv4.vs.expire_quiescent_template': '1',
};
