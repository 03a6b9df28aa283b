import type { DesiredStateOf } from '../desired/state.ts';
import { directs, type Host, type Inventory } from '../inventory/model.ts';
import { serviceIdOf, serviceKey, type IpvsTable } from '../ipvs/table.ts';
import type { IPv4 } from '../net/ipv4.ts';
import { selectHosts, SelectionError } from '../select.ts';
import type { DirectorWants, KeepalivedWants } from './drift.ts';

/**
 * The directors among the selected hosts (those whose roles write an IPVS item, even one that leaves every
 * service to keepalived), each with what the inventory wants there. A --limit naming a host that directs
 * nothing is a command-line error, as one naming no host is.
 */
export function directorsOf(inventory: Inventory, desiredState: DesiredStateOf, limits: readonly string[]): { host: Host; wants: DirectorWants }[] {
  const selected = selectHosts(inventory, { roles: [], limits });
  const names = namesOf(inventory);
  const directors = inventory.hosts.flatMap((host) => {
    const item = desiredState(inventory, host, host.roles).items.find((i) => i.kind === 'ipvs');
    if (item?.kind !== 'ipvs') return [];
    const keepalived = keepalivedWants(inventory, host, item.keepalived ?? []);
    return [{ host, wants: { host: host.name, table: item.table, ...(keepalived && { keepalived }), names } }];
  });
  const directorNames = directors.map(({ host }) => host.name);
  const notDirectors = limits.filter((name) => !directorNames.includes(name));
  if (notDirectors.length > 0) throw new SelectionError(`--limit ${notDirectors.join(', ')}: not a director (directors: ${directorNames.join(', ')})`);
  return directors.filter(({ host }) => selected.some((s) => s.host === host));
}

/**
 * keepalived's part: its services as the roles hand them to the IPVS item, with what the inventory says of
 * them that the table does not (their health checks, and the VIPs VRRP moves).
 */
function keepalivedWants(inventory: Inventory, host: Host, table: IpvsTable): KeepalivedWants | undefined {
  if (table.length === 0) return undefined;
  const keys = new Set(table.map(serviceKey));
  const services = inventory.services.filter((service) => directs(service, host.name) && keys.has(serviceKey(serviceIdOf(service))));
  const checks = new Map(services.flatMap((service) => (service.healthCheck ? [[serviceKey(serviceIdOf(service)), service.healthCheck.onFailure] as const] : [])));
  // A NAT pair's MASTER holds its real servers' gateway too.
  const vips = [...new Set(services.flatMap((service): IPv4[] => (service.failover ? [service.vip, ...(service.failover.gateway ? [service.failover.gateway] : [])] : [])))];
  return { table, checks, ...(vips.length > 0 && { vrrp: { vips: vips as [IPv4, ...IPv4[]] } }) };
}

/** Inventory host names by each of their addresses, to name real servers. */
function namesOf(inventory: Inventory): Map<string, string> {
  return new Map(inventory.hosts.flatMap((host) => [...host.interfaces, ...host.extraAddresses].flatMap((i) => i.addresses.map((cidr) => [cidr.address as string, host.name] as const))));
}
