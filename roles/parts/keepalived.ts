import type { ItemSpec } from '../../src/desired/state.ts';
import { directs, keepalivedManages, type HealthCheck, type Host, type Inventory, type VirtualService } from '../../src/inventory/model.ts';
import { inSubnet, type IPv4 } from '../../src/net/ipv4.ts';
import { serviceKey } from '../../src/ipvs/table.ts';
import { renderTemplate } from '../../src/templates.ts';
import { ipvsServiceOf } from './ipvs.ts';

export const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';

export { KEEPALIVED_RELOAD_FILE } from '../../src/items/handlers.ts';
import { KEEPALIVED_RELOAD_FILE } from '../../src/items/handlers.ts';

/** The first director of a pair is preferred: it takes the VIP whenever it is up (VRRP preempts). */
const FIRST_PRIORITY = 150;
const PRIORITY_STEP = 50;

const LB_KIND = { nat: 'NAT', dr: 'DR' } as const;
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
    { kind: 'keepalived-drain', table: services.map(ipvsServiceOf), drainTimeouts: Object.fromEntries(services.map((s) => [serviceKey(s), s.drainTimeout])) },
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
  readonly vips: readonly string[];
}

export function renderKeepalivedConf(inventory: Inventory, host: Host, services: readonly VirtualService[]): string {
  const instances = vrrpInstances(inventory, host, services);
  return renderTemplate('keepalived.conf.hbs', {
    routerId: host.name,
    reloadFile: KEEPALIVED_RELOAD_FILE,
    // keepalived runs one sync daemon, bound to one instance: the first (most setups have one pair).
    syncDaemon: instances[0] ? { interface: instances[0].interface, instance: instances[0].name } : null,
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

/** One instance per list of directors this host is in, holding the VIPs of that list's services. */
function vrrpInstances(inventory: Inventory, host: Host, services: readonly VirtualService[]): VrrpInstance[] {
  const byGroup = new Map<string, VirtualService[]>();
  for (const service of services) {
    if (!service.failover) continue;
    const key = service.directors.join(' ');
    byGroup.set(key, [...(byGroup.get(key) ?? []), service]);
  }
  return [...byGroup.values()].map((group) => {
    const [first] = group as [VirtualService, ...VirtualService[]];
    const failover = first.failover!;
    const own = segmentAddress(host, first.vip, inventory);
    const peers = first.directors.filter((name) => name !== host.name).map((name) => segmentAddress(inventory.hosts.find((h) => h.name === name)!, first.vip, inventory).address);
    return {
      name: `LVSPLAY_${failover.virtualRouterId}`,
      interface: own.interface,
      virtualRouterId: failover.virtualRouterId,
      priority: FIRST_PRIORITY - PRIORITY_STEP * first.directors.indexOf(host.name),
      advertInterval: failover.advertInterval,
      unicast: failover.unicast ? { source: own.address, peers } : null,
      vips: [...new Set(group.map((service) => service.vip))],
    };
  });
}

/**
 * The director's address and interface on the pair's segment: its DIP's, which the inventory check has held
 * to be one subnet for every director of the pair (`dip`, or the only address that is not a VIP).
 */
function segmentAddress(host: Host, vip: IPv4, inventory: Inventory): { interface: string; address: IPv4 } {
  const vips = new Set(inventory.services.map((s) => s.vip as IPv4));
  const candidates = host.interfaces.flatMap((i) => i.addresses.filter((c) => !vips.has(c.address)).map((cidr) => ({ interface: i.name, cidr })));
  const chosen = candidates.find((c) => c.cidr.address === host.dip) ?? candidates.find((c) => inSubnet(vip, c.cidr)) ?? candidates[0]!;
  return { interface: chosen.interface, address: chosen.cidr.address };
}
