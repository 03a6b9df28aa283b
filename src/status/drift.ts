import type { DirectorReading } from '../facts/director-status.ts';
import type { LiveDestination, LiveService } from '../facts/ipvs-live.ts';
import type { CheckFailureAction } from '../inventory/model.ts';
import { destinationKey, serviceKey, type IpvsDestination, type IpvsService, type IpvsTable } from '../ipvs/table.ts';
import type { IPv4 } from '../net/ipv4.ts';
import type { DirectorView, Ownership, RealServerDrift, RealServerView, ServiceDrift, ServiceView, TrafficCounters } from './view.ts';
import { vrrpView } from './vrrp.ts';

/**
 * What the inventory wants of one director: the IPVS table lvsplay would write there, keepalived's part, and
 * who is who.
 */
export interface DirectorWants {
  readonly host: string;
  /** The services lvsplay writes itself. */
  readonly table: IpvsTable;
  /** The services keepalived manages there (lvsplay writes its configuration), when there are any. */
  readonly keepalived?: KeepalivedWants;
  /** Inventory host names by address, to name real servers (extra ones too). */
  readonly names: ReadonlyMap<string, string>;
}

export interface KeepalivedWants {
  /** Its services as the inventory wants them live, in the inventory's order. */
  readonly table: IpvsTable;
  /** By `serviceKey`: its health-checked services, each with what keepalived does to a failing real server. */
  readonly checks: ReadonlyMap<string, CheckFailureAction>;
  /** A director of a pair: the addresses its VRRP instances hold when it is MASTER (VIPs, and a NAT pair's gateway). */
  readonly vrrp?: { readonly vips: readonly [IPv4, ...IPv4[]] };
}

/**
 * The director as read, against what the inventory wants: the inventory's services first, in its table's
 * order (lvsplay's, then keepalived's), each with its real servers (wanted ones first, then extra ones), then
 * live services that are not in the inventory, by key; and for a director of a pair, its VRRP state.
 */
export function directorView(wants: DirectorWants, reading: DirectorReading): DirectorView {
  const live = new Map((reading.live ?? []).map((service) => [service.key, service]));
  const view = { wants, reading };
  const keepalived = wants.keepalived?.table ?? [];
  const wanted = [
    ...wants.table.map((service) => wantedService(view, service, live.get(serviceKey(service)), 'lvsplay')),
    ...keepalived.map((service) => wantedService(view, service, live.get(serviceKey(service)), 'keepalived')),
  ];
  const wantedKeys = new Set([...wants.table, ...keepalived].map(serviceKey));
  const others = [...live.values()]
    .filter((service) => !wantedKeys.has(service.key))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((service) => otherService(view, service));
  const tcpUnavailable = reading.tcp === undefined ? 'bash not installed' : undefined;
  const vips = wants.keepalived?.vrrp?.vips;
  const vrrp = vips && reading.vrrp && ('unavailable' in reading.vrrp ? { vrrpUnavailable: reading.vrrp.unavailable } : { vrrp: vrrpView(vips, reading.vrrp) });
  return {
    host: wants.host,
    state: 'read',
    ipvs: reading.live === undefined ? 'not-loaded' : 'loaded',
    ipvsadm: reading.ipvsadmInstalled ? 'installed' : 'not-installed',
    ...('unavailable' in reading.counters && { countersUnavailable: reading.counters.unavailable }),
    ...(tcpUnavailable && { tcpUnavailable }),
    ...vrrp,
    services: [...wanted, ...others],
  };
}

interface Context {
  readonly wants: DirectorWants;
  readonly reading: DirectorReading;
}

/** A service the inventory wants, lvsplay's or keepalived's: keepalived's health checks take real servers out. */
function wantedService(context: Context, service: IpvsService, live: LiveService | undefined, ownership: Extract<Ownership, 'lvsplay' | 'keepalived'>): ServiceView {
  const key = serviceKey(service);
  const check = ownership === 'keepalived' ? context.wants.keepalived?.checks.get(key) : undefined;
  if (!live) {
    // No service, so no health check took these out: keepalived or whoever deleted it did.
    return { key, ownership, drift: [{ kind: 'missing' }], realServers: service.destinations.map((d) => realServer(context, key, undefined, d)) };
  }
  const drift: ServiceDrift[] = [];
  if (live.scheduler !== service.scheduler) drift.push({ kind: 'scheduler', live: live.scheduler, wanted: service.scheduler });
  const wantsPersistence = service.persistence !== undefined;
  if (live.persistent !== wantsPersistence) drift.push({ kind: 'persistence', live: live.persistent, wanted: wantsPersistence });
  const liveByKey = new Map(live.destinations.map((d) => [d.key, d]));
  const wantedKeys = new Set(service.destinations.map(destinationKey));
  const realServers = [
    ...service.destinations.map((d) => realServer(context, key, liveByKey.get(destinationKey(d)), d, { check })),
    ...live.destinations.filter((d) => !wantedKeys.has(d.key)).map((d) => realServer(context, key, d, undefined)),
  ];
  return { key, ownership, live: liveSettings(context, live), drift, realServers };
}

function otherService(context: Context, service: LiveService): ServiceView {
  return {
    key: service.key,
    ownership: context.reading.owned.has(service.key) ? 'stale' : 'foreign',
    live: liveSettings(context, service),
    drift: [],
    realServers: service.destinations.map((d) => realServer(context, service.key, d, undefined, { judged: false })),
  };
}

function liveSettings(context: Context, service: LiveService): NonNullable<ServiceView['live']> {
  const counters = countersOf(context, service.key);
  return { scheduler: service.scheduler, persistent: service.persistent, ...(counters && { counters }) };
}

/**
 * How a real server is judged: not at all in a service the inventory says nothing about (`judged` false), and
 * under the health check (`check`: what keepalived does when it fails) of a health-checked service.
 */
interface Judging {
  readonly judged?: boolean;
  readonly check?: CheckFailureAction;
}

/** One real server, live, wanted, or both. */
function realServer(context: Context, service: string, live: LiveDestination | undefined, wanted: IpvsDestination | undefined, judging: Judging = {}): RealServerView {
  const key = live?.key ?? destinationKey(wanted!);
  const address = live?.address ?? wanted!.address;
  const host = context.wants.names.get(address);
  const tcp = service.startsWith('tcp ') ? context.reading.tcp?.get(key) : undefined;
  const common = { key, ...(host && { host }), ...(tcp && { tcp }) };
  const want = wanted && { forwarding: wanted.forwarding, weight: wanted.weight };
  if (!live) {
    // keepalived removes a real server whose check fails (unless told to set it to weight 0).
    if (judging.check) return { ...common, draining: false, wanted: want!, out: 'health-check', drift: [] };
    return { ...common, draining: false, wanted: want!, drift: [{ kind: 'missing' }] };
  }
  // With inhibit_on_failure keepalived keeps a failing real server at weight 0 instead.
  const out = judging.check === 'weight0' && live.weight === 0 && want !== undefined && want.weight !== 0;
  const counters = countersOf(context, service, key);
  const liveServer = { forwarding: live.forwarding, weight: live.weight, active: live.active, inactive: live.inactive, ...(counters && { counters }) };
  const drift = judging.judged === false ? [] : driftOf(live, want, out);
  return { ...common, draining: live.weight === 0 && !out, live: liveServer, ...(want && { wanted: want }), ...(out && { out: 'health-check' as const }), drift };
}

/** `out`: at weight 0 by a health check, which is not a weight that differs. */
function driftOf(live: LiveDestination, wanted: { forwarding: string; weight: number } | undefined, out: boolean): RealServerDrift[] {
  if (!wanted) return [{ kind: 'extra' }];
  const drift: RealServerDrift[] = [];
  if (live.weight !== wanted.weight && !out) drift.push({ kind: 'weight', live: live.weight, wanted: wanted.weight });
  if (live.forwarding !== wanted.forwarding) drift.push({ kind: 'forwarding', live: live.forwarding, wanted: wanted.forwarding });
  return drift;
}

/**
 * A service's or real server's totals and rates. The listings are read after /proc/net/ip_vs, moments later:
 * an entry added or removed in between has none.
 */
function countersOf(context: Context, service: string, destination?: string): TrafficCounters | undefined {
  const { counters } = context.reading;
  if ('unavailable' in counters) return undefined;
  const pick = (table: typeof counters.stats) => {
    const entry = table.get(service);
    return destination === undefined ? entry?.service : entry?.destinations.get(destination);
  };
  const total = pick(counters.stats);
  const rate = pick(counters.rate);
  return total && rate ? { total, rate } : undefined;
}
