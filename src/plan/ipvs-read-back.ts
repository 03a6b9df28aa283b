import type { IpvsItem } from '../desired/state.ts';
import type { ProcService, ProcTable } from '../facts/ipvs-proc.ts';
import type { IpvsChange } from '../ipvs/delta.ts';
import { destinationKey, hasThreshold, idOf, serviceKey, type IpvsService, type IpvsServiceId, type IpvsServiceSettings } from '../ipvs/table.ts';
import type { Verdict } from '../items/kind.ts';

/**
 * Whether /proc/net/ip_vs can prove these changes: it shows every field lvsplay sets except a persistence
 * timeout (there in kernel ticks), scheduler flags, a persistence engine and thresholds, so a change that sets
 * or clears one of those is read back with ipvsadm-save and the thresholds listing, for the services that
 * have them (the ipvs fact).
 */
export function procShowsChanges(changes: readonly IpvsChange[]): boolean {
  return changes.every((c) => {
    if (c.op === 'add-service' || c.op === 'edit-service') return !hidden(c.service) && !(c.op === 'edit-service' && hidden(c.before));
    if (c.op === 'add-destination' || c.op === 'edit-destination') return !hasThreshold(c.destination) && !(c.op === 'edit-destination' && hasThreshold(c.before));
    return true;
  });
}

function hidden(service: IpvsServiceSettings): boolean {
  return service.persistence !== undefined || service.schedFlags !== undefined || service.pe !== undefined;
}

/** The services to read back from /proc/net/ip_vs for these changes, or undefined if it cannot prove them. */
export function procReadBack(changes: readonly IpvsChange[]): IpvsServiceId[] | undefined {
  if (!procShowsChanges(changes)) return undefined;
  const touched = new Map(changes.map((c) => [serviceKey(c.service), idOf(c.service)]));
  return [...touched.values()];
}

/** The services the changes touched, as /proc/net/ip_vs shows them after the apply, against the desired table. */
export function verifyIpvsChanges(item: IpvsItem, changes: readonly IpvsChange[], live: ProcTable): Verdict {
  const touched = [...new Set(changes.map((c) => serviceKey(c.service)))];
  const wanted = new Map(item.table.map((service) => [serviceKey(service), service]));
  const problems = touched.flatMap((key) => serviceProblems(key, wanted.get(key), live?.get(key)));
  if (problems.length > 0) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    return { status: 'change', reason: `${problems.slice(0, 3).join('; ')}${more}` };
  }
  return { status: 'ok', reason: `the ${touched.length} service${touched.length === 1 ? '' : 's'} changed are live as wanted` };
}

function serviceProblems(key: string, wanted: IpvsService | undefined, live: ProcService | undefined): string[] {
  if (!wanted) return live ? [`${key} is still live`] : [];
  if (!live) return [`${key} is not live`];
  const problems: string[] = [];
  if (live.scheduler !== wanted.scheduler) problems.push(`${key} schedules ${live.scheduler}, wants ${wanted.scheduler}`);
  if (live.persistent !== (wanted.persistence !== undefined)) problems.push(`${key} is ${live.persistent ? '' : 'not '}persistent`);
  if (live.onePacket !== (wanted.onePacket === true)) problems.push(`${key} has one-packet scheduling ${live.onePacket ? 'on' : 'off'}`);
  const wantedKeys = new Set(wanted.destinations.map(destinationKey));
  for (const destination of wanted.destinations) {
    const got = live.destinations.get(destinationKey(destination));
    const name = `${key} → ${destinationKey(destination)}`;
    if (!got) problems.push(`${name} is not live`);
    else if (got.forwarding !== destination.forwarding || got.weight !== destination.weight) {
      problems.push(`${name} is ${got.forwarding} weight ${got.weight}, wants ${destination.forwarding} weight ${destination.weight}`);
    }
  }
  for (const extra of [...live.destinations.keys()].filter((k) => !wantedKeys.has(k))) problems.push(`${key} → ${extra} is still live`);
  return problems;
}
