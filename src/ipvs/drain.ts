import type { DrainTimeout } from '../inventory/model.ts';
import { procAddress, procServiceKey } from '../facts/ipvs-proc.ts';
import type { IpvsChange } from './delta.ts';
import { destinationKey, serviceKey, type IpvsDestination, type IpvsServiceId } from './table.ts';

/**
 * A real server leaving a service that stays: set to weight 0 (the schedulers then send it no new
 * connection), and deleted once its active connections have ended or its service's drain timeout has
 * passed. Deleting it at once would cut every connection it holds (kube-proxy's graceful termination and
 * keepalived's inhibit_on_failure do the same; expire_nodest_conn ends what is left at the deletion).
 */
export interface Drain {
  readonly service: IpvsServiceId;
  /** As it is live: its weight before the drain. */
  readonly destination: IpvsDestination;
  readonly timeout: DrainTimeout;
}

/**
 * The delta with each real server deletion of a service that has a drain timeout turned into a drain: a
 * `-e … -w 0` in its place (none if already at weight 0), and the deletion left for after the wait. A
 * deleted service's real servers go with it at once: the service itself is leaving.
 */
export function splitDrains(changes: readonly IpvsChange[], timeoutOf: (service: string) => DrainTimeout | undefined): { changes: IpvsChange[]; drains: Drain[] } {
  const drains: Drain[] = [];
  const kept: IpvsChange[] = [];
  for (const change of changes) {
    const timeout = change.op === 'delete-destination' ? timeoutOf(serviceKey(change.service)) : undefined;
    if (change.op !== 'delete-destination' || !timeout) {
      kept.push(change);
      continue;
    }
    drains.push({ service: change.service, destination: change.destination, timeout });
    if (change.destination.weight !== 0) {
      kept.push({ op: 'edit-destination', service: change.service, destination: { ...change.destination, weight: 0 as IpvsDestination['weight'] }, before: change.destination });
    }
  }
  return { changes: kept, drains };
}

/** The deletions that end the drains, run after the wait. */
export function drainDeletions(drains: readonly Drain[]): IpvsChange[] {
  return drains.map((drain) => ({ op: 'delete-destination', service: drain.service, destination: drain.destination }));
}

/** The longest a host's drains make its apply wait. */
export function longestDrain(drains: readonly Drain[]): number {
  return Math.max(0, ...drains.map((d) => d.timeout));
}

export function describeDrain(drain: Drain): string {
  return `${destinationKey(drain.destination)} of ${serviceKey(drain.service)}`;
}

/**
 * The wait, in sh: once a second, each real server still draining is looked up in /proc/net/ip_vs (one read
 * of a kernel file, no ipvsadm); the loop ends when every one has no active connection left (or is gone) or
 * has reached its own timeout.
 */
export function drainWaitScript(drains: readonly Drain[]): string {
  const checks = drains.map((drain) => {
    const args = `'${procServiceKey(drain.service)}' '${procAddress(drain.destination.address, drain.destination.port)}'`;
    return `  [ "$lvsplay_waited" -ge ${drain.timeout} ] || [ "$(lvsplay_active ${args})" = 0 ] || lvsplay_busy=1`;
  });
  return [
    // The real server's line under its service: $5 is ActiveConn. Gone (deleted by hand) counts as drained.
    `lvsplay_active() { awk -v s="$1" -v d="$2" '/^[A-Z]/ { on = (($1 " " $2) == s); next } on && $2 == d { n = $5 } END { print n + 0 }' /proc/net/ip_vs; }`,
    'lvsplay_drain_start=$(date +%s)',
    'while :; do',
    '  lvsplay_waited=$(( $(date +%s) - lvsplay_drain_start )); lvsplay_busy=',
    ...checks,
    '  [ -n "$lvsplay_busy" ] || break',
    '  sleep 1',
    'done',
  ].join('\n');
}
