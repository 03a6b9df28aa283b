import type { IpvsChange } from './delta.ts';
import { FORWARDING_FLAG, serviceSwitch } from './flags.ts';
import { destinationKey, serviceKey, type IpvsDestination, type IpvsServiceSettings } from './table.ts';

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

/**
 * A service's switches after its address, in the order `ipvsadm-save -n` prints them (ipvsadm 1.31's
 * print_service_entry; recorded: test/fixtures/facts/ipvsadm-save-n-options.txt), so that the rules file
 * is its output byte for byte. -M and --pe only with -p, as lvsplay's validation holds.
 */
export function settingsSwitches(service: IpvsServiceSettings): string {
  const parts = [` -s ${service.scheduler}`];
  if (service.persistence !== undefined) parts.push(` -p ${service.persistence}`);
  if (service.netmask !== undefined) parts.push(` -M ${service.netmask}`);
  if (service.pe !== undefined) parts.push(` --pe ${service.pe}`);
  if (service.onePacket) parts.push(' -o');
  if (service.schedFlags !== undefined) parts.push(` -b ${service.schedFlags.join(',')}`);
  return parts.join('');
}

/**
 * A real server's switches after its service. `thresholds: false` leaves -x/-y out, as `ipvsadm-save -n`
 * does; an `-e` and the rules file carry them (an `-e` without them clears them, and `ipvsadm -R` at boot
 * restores them from the file).
 */
export function destinationSwitches(destination: IpvsDestination, thresholds = true): string {
  const upper = thresholds && destination.upperThreshold !== undefined ? ` -x ${destination.upperThreshold}` : '';
  const lower = thresholds && destination.lowerThreshold !== undefined ? ` -y ${destination.lowerThreshold}` : '';
  return ` -r ${destinationKey(destination)} ${FORWARDING_FLAG[destination.forwarding]} -w ${destination.weight}${upper}${lower}`;
}

function describeSettings(service: IpvsServiceSettings): string {
  return [`scheduler ${service.scheduler}`, `persistence ${persistence(service)}`, ...OPTIONS.flatMap(([name, show]) => (show(service) === undefined ? [] : [`${name} ${show(service)}`]))].join(', ');
}

function describeDestination(destination: IpvsDestination): string {
  return `${destinationKey(destination)} (${[destination.forwarding, `weight ${destination.weight}`, ...thresholdWords(destination)].join(', ')})`;
}

/** The options besides scheduler and persistence, named as in reports; undefined when unset. */
const OPTIONS: readonly (readonly [string, (service: IpvsServiceSettings) => string | undefined])[] = [
  ['netmask', (s) => s.netmask],
  ['scheduler flags', (s) => s.schedFlags?.join(',')],
  ['persistence engine', (s) => s.pe],
  ['one-packet scheduling', (s) => (s.onePacket ? 'on' : undefined)],
];

function settingsChanges(before: IpvsServiceSettings, after: IpvsServiceSettings): string {
  const parts: string[] = [];
  if (before.scheduler !== after.scheduler) parts.push(`scheduler ${before.scheduler} → ${after.scheduler}`);
  if (before.persistence !== after.persistence) parts.push(`persistence ${persistence(before)} → ${persistence(after)}`);
  for (const [name, show] of OPTIONS) {
    if (show(before) !== show(after)) parts.push(`${name} ${show(before) ?? 'none'} → ${show(after) ?? 'none'}`);
  }
  return parts.join(', ');
}

function destinationChanges(before: IpvsDestination, after: IpvsDestination): string {
  const parts: string[] = [];
  if (before.forwarding !== after.forwarding) parts.push(`${before.forwarding} → ${after.forwarding}`);
  if (before.weight !== after.weight) parts.push(`weight ${before.weight} → ${after.weight}`);
  if ((before.upperThreshold ?? 0) !== (after.upperThreshold ?? 0)) parts.push(`upper threshold ${before.upperThreshold ?? 'none'} → ${after.upperThreshold ?? 'none'}`);
  if ((before.lowerThreshold ?? 0) !== (after.lowerThreshold ?? 0)) parts.push(`lower threshold ${before.lowerThreshold ?? 'none'} → ${after.lowerThreshold ?? 'none'}`);
  return parts.join(', ');
}

function thresholdWords(destination: IpvsDestination): string[] {
  return [
    ...(destination.upperThreshold === undefined ? [] : [`upper threshold ${destination.upperThreshold}`]),
    ...(destination.lowerThreshold === undefined ? [] : [`lower threshold ${destination.lowerThreshold}`]),
  ];
}

function persistence(service: IpvsServiceSettings): string {
  return service.persistence === undefined ? 'off' : `${service.persistence} s`;
}
