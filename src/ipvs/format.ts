import type { IpvsChange } from './delta.ts';
import { FORWARDING_FLAG, PROTOCOL_FLAG } from './flags.ts';
import { destinationKey, serviceKey, type IpvsDestination, type IpvsServiceId, type IpvsServiceSettings } from './table.ts';

/**
 * The change as one line of `ipvsadm -R` input (an ipvsadm command line without the `ipvsadm` word).
 *
 * `-E` and `-e` replace every setting of what they edit, they do not patch it: ipvsadm fills the ones left
 * out with its defaults (scheduler wlc, no persistence; weight 1, gatewaying) and the kernel copies them
 * all (ip_vs_edit_service sets flags, timeout and netmask; __ip_vs_update_dest sets weight and forwarding).
 * So an edit always carries the whole wanted state, and leaving `-p` out of `-E` is exactly how
 * persistence is turned off.
 */
export function formatChange(change: IpvsChange): string {
  switch (change.op) {
    case 'add-service':
      return `-A ${serviceSwitch(change.service)}${settingsSwitches(change.service)}`;
    case 'edit-service':
      return `-E ${serviceSwitch(change.service)}${settingsSwitches(change.service)}`;
    case 'delete-service':
      return `-D ${serviceSwitch(change.service)}`;
    case 'add-destination':
      return `-a ${serviceSwitch(change.service)}${destinationSwitches(change.destination)}`;
    case 'edit-destination':
      return `-e ${serviceSwitch(change.service)}${destinationSwitches(change.destination)}`;
    case 'delete-destination':
      return `-d ${serviceSwitch(change.service)} -r ${destinationKey(change.destination)}`;
  }
}

/** The whole delta as `ipvsadm -R`'s stdin: one line each, newline-terminated; empty when nothing changes. */
export function formatChanges(changes: readonly IpvsChange[]): string {
  return changes.map((change) => `${formatChange(change)}\n`).join('');
}

/** A short sentence for reports: "add real server 192.168.10.72:80 (route, weight 1) to tcp 192.168.10.100:80". */
export function describeChange(change: IpvsChange): string {
  const service = serviceKey(change.service);
  switch (change.op) {
    case 'add-service':
      return `add service ${service} (${describeSettings(change.service)})`;
    case 'edit-service':
      return `change service ${service}: ${settingsChanges(change.before, change.service)}`;
    case 'delete-service':
      return `delete service ${service} and its real servers`;
    case 'add-destination':
      return `add real server ${describeDestination(change.destination)} to ${service}`;
    case 'edit-destination':
      return `change real server ${destinationKey(change.destination)} of ${service}: ${destinationChanges(change.before, change.destination)}`;
    case 'delete-destination':
      return `remove real server ${describeDestination(change.destination)} from ${service}`;
  }
}

function serviceSwitch(service: IpvsServiceId): string {
  return `${PROTOCOL_FLAG[service.protocol]} ${service.vip}:${service.port}`;
}

function settingsSwitches(service: IpvsServiceSettings): string {
  return ` -s ${service.scheduler}${service.persistence === undefined ? '' : ` -p ${service.persistence}`}`;
}

function destinationSwitches(destination: IpvsDestination): string {
  return ` -r ${destinationKey(destination)} ${FORWARDING_FLAG[destination.forwarding]} -w ${destination.weight}`;
}

function describeSettings(service: IpvsServiceSettings): string {
  return `scheduler ${service.scheduler}, persistence ${persistence(service)}`;
}

function describeDestination(destination: IpvsDestination): string {
  return `${destinationKey(destination)} (${destination.forwarding}, weight ${destination.weight})`;
}

function settingsChanges(before: IpvsServiceSettings, after: IpvsServiceSettings): string {
  const parts: string[] = [];
  if (before.scheduler !== after.scheduler) parts.push(`scheduler ${before.scheduler} → ${after.scheduler}`);
  if (before.persistence !== after.persistence) parts.push(`persistence ${persistence(before)} → ${persistence(after)}`);
  return parts.join(', ');
}

function destinationChanges(before: IpvsDestination, after: IpvsDestination): string {
  const parts: string[] = [];
  if (before.forwarding !== after.forwarding) parts.push(`${before.forwarding} → ${after.forwarding}`);
  if (before.weight !== after.weight) parts.push(`weight ${before.weight} → ${after.weight}`);
  return parts.join(', ');
}

function persistence(service: IpvsServiceSettings): string {
  return service.persistence === undefined ? 'off' : `${service.persistence} s`;
}
