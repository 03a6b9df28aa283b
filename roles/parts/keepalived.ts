import type { ItemSpec } from '../../src/desired/state.ts';
import { dipCandidates, directs, keepalivedManages, type HealthCheck, type Host, type Inventory, type VirtualService } from '../../src/inventory/model.ts';
import { inSubnet, type IPv4 } from '../../src/net/ipv4.ts';
import { serviceIdOf, serviceKey } from '../../src/ipvs/table.ts';
import { renderTemplate } from '../../src/templates.ts';
import { ipvsServiceOf } from './ipvs.ts';

export const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';

export { KEEPALIVED_RELOAD_FILE } from '../../src/items/handlers.ts';
import { KEEPALIVED_RELOAD_FILE } from '../../src/items/handlers.ts';

/** The first director of a pair is preferred: it takes the VIP whenever it is up (VRRP preempts). */
const FIRST_PRIORITY = 150;
const PRIORITY_STEP = 50;

const LB_KIND = { nat: 'NAT', dr: 'DR', tun: 'TUN' } as const;
const CHECK_BLOCK = { tcp: 'TCP_CHECK', http: 'HTTP_GET', https: 'SSL_GET' } as const;

/**
 * keepalived's configuration on a director of services it manages (a pair's, or a health-checked one's),
 * the unit that runs it, and the handler that reloads it on change. The configuration is checked on the host
 * with `keepalived -t` before it replaces the one keepalived runs.
 */
export function keepalivedItems(inventory: Inventory, host: Host): ItemSpec[] {
  const services = inventory.services.filter((service) => directs(service, host.name) && keepalivedManages(service));
  if (services.length === 0) return [];
  return [
    { kind: 'package', name: 'keepalived' },
    // Between the new file and the reload that applies it: real servers leaving these services, drained.
    { kind: 'keepalived-drain', table: services.map(ipvsServiceOf), drainTimeouts: Object.fromEntries(services.map((s) => [serviceKey(serviceIdOf(s)), s.drainTimeout])) },
    { kind: 'file', path: KEEPALIVED_CONF, content: renderKeepalivedConf(inventory, host, services), mode: 0o640, notify: [{ kind: 'reload-keepalived' }], check: 'keepalived' },
    { kind: 'unit', name: 'keepalived.service', startNow: true },
  ];
}

interface VrrpInstance {
  readonly name: string;
  readonly interface: string;
  readonly virtualRouterId: number;
  readonly priority: number;
  readonly advertInterval: number;
  readonly unicast: { readonly source: IPv4; readonly peers: readonly IPv4[] } | null;
  /** Held as /32 on `interface`. */
  readonly addresses: readonly IPv4[];
}

/** Instances that change state together: a NAT pair's VIP outside and its real servers' gateway inside. */
interface SyncGroup {
  readonly name: string;
  readonly instances: readonly string[];
}

interface Vrrp {
  readonly instances: readonly VrrpInstance[];
  readonly syncGroups: readonly SyncGroup[];
}

export function renderKeepalivedConf(inventory: Inventory, host: Host, services: readonly VirtualService[]): string {
  const { instances, syncGroups } = vrrpOf(inventory, host, services);
  // keepalived runs one sync daemon, bound to one instance: the first on the DIP's segment, where the
  // directors' connection updates travel (most setups have one pair).
  const dip = dipOf(host, inventory);
  const syncWith = instances.find((instance) => instance.interface === dip.interface) ?? instances[0];
  return renderTemplate('keepalived.conf.hbs', {
    routerId: host.name,
    reloadFile: KEEPALIVED_RELOAD_FILE,
    syncDaemon: syncWith ? { interface: syncWith.interface, instance: syncWith.name } : null,
    syncGroups,
    instances,
    services: services.map((service) => ({
      vip: service.vip,
      port: service.port,
      protocol: service.protocol.toUpperCase(),
      scheduler: service.scheduler,
      kind: LB_KIND[service.forwarding],
      persistence: service.persistence ?? null,
      // Without checks keepalived never looks at its real servers: the loop's pace does not matter then.
      delayLoop: service.healthCheck?.interval ?? 60,
      realServers: service.realServers.map((rs) => ({
        address: rs.address,
        port: rs.port,
        weight: rs.weight,
        inhibit: service.healthCheck?.onFailure === 'weight0',
        check: service.healthCheck ? checkBlock(service.healthCheck) : null,
      })),
    })),
  });
}

/**
 * `retries` failed checks in a row take a real server out: keepalived counts the first failure, then `retry`
 * more, `delay_before_retry` apart; so with the interval between them, out within about interval × retries.
 */
function checkBlock(check: HealthCheck) {
  return {
    block: CHECK_BLOCK[check.type],
    url: check.type === 'tcp' ? null : { path: check.path, status: check.status, digest: check.digest ?? null },
    connectTimeout: check.timeout,
    retry: check.retries - 1,
    delayBeforeRetry: check.interval,
  };
}

/**
 * One instance per list of directors this host is in, holding the VIPs of that list's services on the DIP's
 * segment. A NAT pair's VIPs are outside, on an instance there; a second one, with the same id on the DIP's
 * segment, holds the real servers' gateway, and a sync group moves the two together.
 */
function vrrpOf(inventory: Inventory, host: Host, services: readonly VirtualService[]): Vrrp {
  const byGroup = new Map<string, VirtualService[]>();
  for (const service of services) {
    if (!service.failover) continue;
    const key = service.directors.join(' ');
    byGroup.set(key, [...(byGroup.get(key) ?? []), service]);
  }
  const instances: VrrpInstance[] = [];
  const syncGroups: SyncGroup[] = [];
  for (const group of byGroup.values()) {
    const [first] = group as [VirtualService, ...VirtualService[]];
    const failover = first.failover!;
    const directors = first.directors.map((name) => inventory.hosts.find((h) => h.name === name)!);
    const instance = (name: string, on: (director: Host) => { interface: string; address: IPv4 }, addresses: readonly IPv4[]): VrrpInstance => {
      const own = on(host);
      return {
        name,
        interface: own.interface,
        virtualRouterId: failover.virtualRouterId,
        priority: FIRST_PRIORITY - PRIORITY_STEP * first.directors.indexOf(host.name),
        advertInterval: failover.advertInterval,
        unicast: failover.unicast ? { source: own.address, peers: directors.filter((d) => d !== host).map((d) => on(d).address) } : null,
        addresses,
      };
    };
    const name = `LVSPLAY_${failover.virtualRouterId}`;
    const vips = [...new Set(group.map((service): IPv4 => service.vip))];
    const inside = (director: Host) => dipOf(director, inventory);
    if (!failover.gateway) {
      instances.push(instance(name, inside, vips));
      continue;
    }
    const outside = (director: Host) => addressOn(director, first.vip);
    instances.push(instance(name, outside, vips), instance(`${name}_GATEWAY`, inside, [failover.gateway]));
    syncGroups.push({ name: `${name}_NAT`, instances: [name, `${name}_GATEWAY`] });
  }
  return { instances, syncGroups };
}

/** The director's DIP and its interface, as the inventory check chose it. */
function dipOf(host: Host, inventory: Inventory): { interface: string; address: IPv4 } {
  const directed = inventory.services.filter((s) => directs(s, host.name));
  const natVips = directed.filter((s) => s.forwarding === 'nat').map((s): IPv4 => s.vip);
  const candidates = dipCandidates(
    host,
    directed.map((s): IPv4 => s.vip),
    natVips,
  );
  const chosen = candidates.find((c) => c.cidr.address === host.dip) ?? candidates[0]!;
  return { interface: chosen.interface, address: chosen.cidr.address };
}

/** The director's own address on the subnet of `vip`, and its interface: a NAT pair's outside. */
function addressOn(host: Host, vip: IPv4): { interface: string; address: IPv4 } {
  const on = host.interfaces.flatMap((i) => i.addresses.filter((cidr) => inSubnet(vip, cidr)).map((cidr) => ({ interface: i.name, address: cidr.address })));
  return on[0]!;
}
