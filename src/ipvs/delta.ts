import { indexBy, sameDestination, sameSettings } from './equal.ts';
import { destinationKey, idOf, serviceKey, settingsOf, type IpvsDestination, type IpvsService, type IpvsServiceId, type IpvsServiceSettings, type IpvsTable } from './table.ts';

/** One ipvsadm command of a delta; `formatChange` writes it as the line `ipvsadm -R` reads. */
export type IpvsChange =
  | { readonly op: 'add-service'; readonly service: IpvsServiceSettings }
  | { readonly op: 'edit-service'; readonly service: IpvsServiceSettings; readonly before: IpvsServiceSettings }
  | { readonly op: 'delete-service'; readonly service: IpvsServiceSettings }
  | { readonly op: 'add-destination'; readonly service: IpvsServiceId; readonly destination: IpvsDestination }
  | {
      readonly op: 'edit-destination';
      readonly service: IpvsServiceId;
      readonly destination: IpvsDestination;
      readonly before: IpvsDestination;
    }
  | { readonly op: 'delete-destination'; readonly service: IpvsServiceId; readonly destination: IpvsDestination };

/** Service keys, as a set or the keys of a map (foreign services, with why). */
type Keys = { has(key: string): boolean };

interface Delta {
  readonly addServices: IpvsChange[];
  readonly editServices: IpvsChange[];
  readonly deleteDestinations: IpvsChange[];
  readonly putDestinations: IpvsChange[];
  readonly deleteServices: IpvsChange[];
}

/**
 * The fewest commands that turn `live` into `desired`, never a flush (it drops every connection in flight).
 * A live service that is not desired is deleted only when lvsplay owns it (`owned`: the services of the
 * rules file it persisted last, plus the desired ones); any other belongs to someone else and stays.
 * Services in `foreign` (live ones `parseIpvsSave` could not represent) are never touched, even when
 * desired: `blockedServices` names those for the report.
 *
 * Order: new services first (their real servers need them), then service edits, real server removals,
 * real server additions and edits, and service deletions last. Each group keeps the desired (or, for
 * removals, the live) order, so the same tables always give the same lines.
 */
export function ipvsDelta(live: IpvsTable, desired: IpvsTable, owned: ReadonlySet<string>, foreign: Keys = new Set()): IpvsChange[] {
  const delta: Delta = { addServices: [], editServices: [], deleteDestinations: [], putDestinations: [], deleteServices: [] };
  const liveByKey = indexBy(live, serviceKey);
  const desiredKeys = uniqueKeys(desired, serviceKey, 'the desired table');
  for (const want of desired) {
    if (foreign.has(serviceKey(want))) continue;
    const have = liveByKey.get(serviceKey(want));
    if (have) reconcileService(have, want, delta);
    else addService(want, delta);
  }
  for (const have of live) {
    const key = serviceKey(have);
    if (!desiredKeys.has(key) && owned.has(key) && !foreign.has(key)) {
      delta.deleteServices.push({ op: 'delete-service', service: settingsOf(have) });
    }
  }
  return [...delta.addServices, ...delta.editServices, ...delta.deleteDestinations, ...delta.putDestinations, ...delta.deleteServices];
}

/** Live services lvsplay neither wants nor owns: left alone, and reported as unmanaged. */
export function unmanagedServices(live: IpvsTable, desired: IpvsTable, owned: ReadonlySet<string>): string[] {
  const desiredKeys = new Set(desired.map(serviceKey));
  return live.map(serviceKey).filter((key) => !desiredKeys.has(key) && !owned.has(key));
}

/** Desired services that are live in a form lvsplay cannot represent, so `ipvsDelta` leaves them alone. */
export function blockedServices(desired: IpvsTable, foreign: Keys): string[] {
  return desired.map(serviceKey).filter((key) => foreign.has(key));
}

function addService(want: IpvsService, delta: Delta): void {
  delta.addServices.push({ op: 'add-service', service: settingsOf(want) });
  for (const destination of want.destinations) {
    delta.putDestinations.push({ op: 'add-destination', service: idOf(want), destination });
  }
}

/** `-E` when only the scheduler or persistence differ; the real servers are made exactly as desired. */
function reconcileService(have: IpvsService, want: IpvsService, delta: Delta): void {
  if (!sameSettings(have, want)) {
    delta.editServices.push({ op: 'edit-service', service: settingsOf(want), before: settingsOf(have) });
  }
  if (sameDestinationsInOrder(have.destinations, want.destinations)) return;
  const service = idOf(want);
  const haveByKey = indexBy(have.destinations, destinationKey);
  const wantKeys = uniqueKeys(want.destinations, destinationKey, `desired ${serviceKey(want)}`);
  for (const destination of have.destinations) {
    if (!wantKeys.has(destinationKey(destination))) delta.deleteDestinations.push({ op: 'delete-destination', service, destination });
  }
  for (const destination of want.destinations) {
    const before = haveByKey.get(destinationKey(destination));
    if (!before) delta.putDestinations.push({ op: 'add-destination', service, destination });
    // -e sets forwarding and weight together, so a change of either is one edit.
    else if (!sameDestination(before, destination)) delta.putDestinations.push({ op: 'edit-destination', service, destination, before });
  }
}

/**
 * The common case on a big director (most services unchanged, listed in the same order as last time),
 * checked without building a key or a map per real server: that keeps a 20,000-server delta cheap.
 */
function sameDestinationsInOrder(have: readonly IpvsDestination[], want: readonly IpvsDestination[]): boolean {
  if (have.length !== want.length) return false;
  return have.every((h, i) => {
    const w = want[i] as IpvsDestination;
    return h.address === w.address && h.port === w.port && sameDestination(h, w);
  });
}

/** The keys of a desired list; one twice is a bug upstream, and would make ipvsadm fail half-way through. */
function uniqueKeys<T>(items: readonly T[], key: (item: T) => string, where: string): Set<string> {
  const keys = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (keys.has(k)) throw new Error(`${where} has ${k} twice`);
    keys.add(k);
  }
  return keys;
}
