import type { DirectorReading } from '../facts/director-status.ts';
import type { LiveDestination, LiveService } from '../facts/ipvs-live.ts';
import { destinationKey, serviceKey, type IpvsDestination, type IpvsService, type IpvsTable } from '../ipvs/table.ts';
import type { DirectorView, RealServerDrift, RealServerView, ServiceDrift, ServiceView, TrafficCounters } from './view.ts';

/** What the inventory wants of one director: the IPVS table lvsplay would write there, and who is who. */
export interface DirectorWants {
  readonly host: string;
  readonly table: IpvsTable;
  /** Inventory host names by address, to name real servers (extra ones too). */
  readonly names: ReadonlyMap<string, string>;
}

/**
 * The director as read, against what the inventory wants: the inventory's services first, in its table's
 * order, each with its real servers (wanted ones first, then extra ones), then live services that are not
 * in the inventory, by key.
 */
export function directorView(wants: DirectorWants, reading: DirectorReading): DirectorView {
  const live = new Map((reading.live ?? []).map((service) => [service.key, service]));
  const view = { wants, reading };
  const wanted = wants.table.map((service) => wantedService(view, service, live.get(serviceKey(service))));
  const wantedKeys = new Set(wants.table.map(serviceKey));
  const others = [...live.values()]
    .filter((service) => !wantedKeys.has(service.key))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((service) => otherService(view, service));
  const tcpUnavailable = reading.tcp === undefined ? 'bash not installed' : undefined;
  return {
    host: wants.host,
    state: 'read',
    ipvs: reading.live === undefined ? 'not-loaded' : 'loaded',
    ipvsadm: reading.ipvsadmInstalled ? 'installed' : 'not-installed',
    ...('unavailable' in reading.counters && { countersUnavailable: reading.counters.unavailable }),
    ...(tcpUnavailable && { tcpUnavailable }),
    services: [...wanted, ...others],
  };
}

interface Context {
  readonly wants: DirectorWants;
  readonly reading: DirectorReading;
}

function wantedService(context: Context, service: IpvsService, live: LiveService | undefined): ServiceView {
  const key = serviceKey(service);
  if (!live) {
    return { key, ownership: 'lvsplay', drift: [{ kind: 'missing' }], realServers: service.destinations.map((d) => realServer(context, key, undefined, d)) };
  }
  const drift: ServiceDrift[] = [];
  if (live.scheduler !== service.scheduler) drift.push({ kind: 'scheduler', live: live.scheduler, wanted: service.scheduler });
  const wantsPersistence = service.persistence !== undefined;
  if (live.persistent !== wantsPersistence) drift.push({ kind: 'persistence', live: live.persistent, wanted: wantsPersistence });
  const liveByKey = new Map(live.destinations.map((d) => [d.key, d]));
  const wantedKeys = new Set(service.destinations.map(destinationKey));
  const realServers = [
    ...service.destinations.map((d) => realServer(context, key, liveByKey.get(destinationKey(d)), d)),
    ...live.destinations.filter((d) => !wantedKeys.has(d.key)).map((d) => realServer(context, key, d, undefined)),
  ];
  return { key, ownership: 'lvsplay', live: liveSettings(context, live), drift, realServers };
}

function otherService(context: Context, service: LiveService): ServiceView {
  return {
    key: service.key,
    ownership: context.reading.owned.has(service.key) ? 'stale' : 'foreign',
    live: liveSettings(context, service),
    drift: [],
    realServers: service.destinations.map((d) => realServer(context, service.key, d, undefined, false)),
  };
}

function liveSettings(context: Context, service: LiveService): NonNullable<ServiceView['live']> {
  const counters = countersOf(context, service.key);
  return { scheduler: service.scheduler, persistent: service.persistent, ...(counters && { counters }) };
}

/** One real server; `judged` is false for a service the inventory says nothing about, which has no drift. */
function realServer(context: Context, service: string, live: LiveDestination | undefined, wanted: IpvsDestination | undefined, judged = true): RealServerView {
  const key = live?.key ?? destinationKey(wanted!);
  const address = live?.address ?? wanted!.address;
  const host = context.wants.names.get(address);
  const tcp = service.startsWith('tcp ') ? context.reading.tcp?.get(key) : undefined;
  const common = { key, ...(host && { host }), ...(tcp && { tcp }), draining: live?.weight === 0 };
  const want = wanted && { forwarding: wanted.forwarding, weight: wanted.weight };
  if (!live) return { ...common, wanted: want!, drift: [{ kind: 'missing' }] };
  const counters = countersOf(context, service, key);
  const liveServer = { forwarding: live.forwarding, weight: live.weight, active: live.active, inactive: live.inactive, ...(counters && { counters }) };
  return { ...common, live: liveServer, ...(want && { wanted: want }), drift: judged ? driftOf(live, want) : [] };
}

function driftOf(live: LiveDestination, wanted: { forwarding: string; weight: number } | undefined): RealServerDrift[] {
  if (!wanted) return [{ kind: 'extra' }];
  const drift: RealServerDrift[] = [];
  if (live.weight !== wanted.weight) drift.push({ kind: 'weight', live: live.weight, wanted: wanted.weight });
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
