import { destinationKey, serviceKey, type IpvsDestination, type IpvsService, type IpvsServiceSettings, type IpvsTable } from './table.ts';

/** Same scheduler, persistence and options: what `-E` sets. The address, port and protocol are the service's key. */
export function sameSettings(a: IpvsServiceSettings, b: IpvsServiceSettings): boolean {
  return (
    a.scheduler === b.scheduler &&
    a.persistence === b.persistence &&
    a.netmask === b.netmask &&
    a.pe === b.pe &&
    a.onePacket === b.onePacket &&
    (a.schedFlags ?? []).join(',') === (b.schedFlags ?? []).join(',')
  );
}

/**
 * Same forwarding, weight and thresholds: what `-e` sets. The address and port are the real server's key.
 * A threshold left out is 0, as the kernel holds it.
 */
export function sameDestination(a: IpvsDestination, b: IpvsDestination): boolean {
  return a.forwarding === b.forwarding && a.weight === b.weight && (a.upperThreshold ?? 0) === (b.upperThreshold ?? 0) && (a.lowerThreshold ?? 0) === (b.lowerThreshold ?? 0);
}

/** Equal as the kernel sees them: the order of services and of real servers does not matter. */
export function sameTable(a: IpvsTable, b: IpvsTable): boolean {
  const bByKey = indexBy(b, serviceKey);
  if (!sameKeyCount(a, b, serviceKey, bByKey)) return false;
  return a.every((service) => {
    const other = bByKey.get(serviceKey(service));
    return other !== undefined && sameService(service, other);
  });
}

function sameService(a: IpvsService, b: IpvsService): boolean {
  if (!sameSettings(a, b)) return false;
  const bByKey = indexBy(b.destinations, destinationKey);
  if (!sameKeyCount(a.destinations, b.destinations, destinationKey, bByKey)) return false;
  return a.destinations.every((destination) => {
    const other = bByKey.get(destinationKey(destination));
    return other !== undefined && sameDestination(destination, other);
  });
}

/** Both lists hold the same number of distinct keys and none twice, so a one-way lookup suffices. */
function sameKeyCount<T>(a: readonly T[], b: readonly T[], key: (item: T) => string, bByKey: Map<string, T>): boolean {
  return a.length === b.length && bByKey.size === b.length && indexBy(a, key).size === a.length;
}

/** Items by key; a repeated key keeps the first and shows as a smaller map. */
export function indexBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (!map.has(k)) map.set(k, item);
  }
  return map;
}
