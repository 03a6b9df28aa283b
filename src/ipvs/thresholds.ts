import type { IpvsChange } from './delta.ts';
import { serviceSwitch } from './flags.ts';
import { destinationKey, hasThreshold, serviceKey, type IpvsDestination, type IpvsServiceId } from './table.ts';

/**
 * Real servers' connection thresholds (`-x` upper, `-y` lower): `ipvsadm-save -n` does not print them, and an
 * `-e` without them clears them (__ip_vs_update_dest copies every field; seen on the lab,
 * test/fixtures/facts/README.md). The facts read those lvsplay set (the inventory's, and its last rules
 * file's: `src/facts/ipvs-thresholds.ts`); a real server with one set by another hand must not be edited. The facts do not list thresholds (for the whole table that costs as much as the table
 * itself: 0.84 s on a 2,000-service director); the step that edits real servers looks up only their services,
 * right before the delta, and goes no further if one of them has a threshold.
 *
 * One `ipvsadm -R` reads a `-L -n --thresholds` line per service: one process for all of them (20 services
 * in 0.08 s on the lab's director, where 20 `ipvsadm -Ln -t` took 0.76 s).
 */
export function thresholdsGuard(changes: readonly IpvsChange[]): string[] {
  // An edit that sets or clears a threshold is of one lvsplay's facts read (the inventory declares it, or the
  // rules file lvsplay wrote had it): its own, carried by the -e itself.
  const edited = changes.flatMap((change) =>
    change.op === 'edit-destination' && !hasThreshold(change.before) && !hasThreshold(change.destination) ? [{ service: change.service, destination: change.destination }] : [],
  );
  if (edited.length === 0) return [];
  const services = [...new Map(edited.map((e) => [serviceKey(e.service), e.service])).values()];
  return [
    `lvsplay_listed=$(ipvsadm -R 2>&1 <<'LVSPLAY_LIST'`,
    ...services.map(thresholdsListLine),
    'LVSPLAY_LIST',
    ')',
    `lvsplay_held=$(printf '%s\\n' "$lvsplay_listed" | awk -v edited='${edited.map(editedKey).join(' ')}' '${THRESHOLDS_AWK}')`,
    '[ -z "$lvsplay_held" ] || { printf \'%s\\n\' "$lvsplay_held"; return 1; }',
  ];
}

/** The `ipvsadm -R` line that lists one service's real servers with their thresholds. */
export function thresholdsListLine(service: IpvsServiceId): string {
  return `-L -n --thresholds ${serviceSwitch(service)}`;
}

/** `tcp/192.168.10.100:80/192.168.10.71:80` or `fwmark/1/192.168.10.71:0`: a word, as awk's `split` on spaces needs. */
function editedKey(e: { readonly service: IpvsServiceId; readonly destination: IpvsDestination }): string {
  return `${serviceKey(e.service).replace(' ', '/')}/${destinationKey(e.destination)}`;
}

/**
 * Over `ipvsadm -R`'s listing (stdout and stderr together; ipvsadm 1.31's list_service with FMT_THRESHOLDS: a
 * title, then `TCP  VIP:PORT scheduler…` and `  -> RS:PORT upper lower active inactive`), prints a line for
 * each edited real server that has a threshold, and one for anything else ipvsadm said (`No such service`:
 * the service went away since the facts were read). Silent when the edit may go ahead.
 */
export const THRESHOLDS_AWK = [
  'BEGIN { n = split(edited, keys, " "); for (i = 1; i <= n; i++) want[keys[i]] = 1 }',
  '/^Prot LocalAddress:Port / || /^  -> RemoteAddress:Port/ { next }',
  '/^(TCP|UDP|SCTP) / { service = tolower($1) "/" $2; next }',
  // A firewall-mark service: `FWM  1 rr persistent 300`, keyed as serviceKey's `fwmark 1`.
  '/^FWM / { service = "fwmark/" $2; next }',
  '/^  -> / {',
  '  if (!((service "/" $2) in want) || ($3 == 0 && $4 == 0)) next',
  '  split(service, s, "/")',
  '  print "real server " $2 " of " s[1] " " s[2] " has a connection threshold set outside lvsplay (-x " $3 " -y " $4 "), which lvsplay cannot express and its edit would clear, so no IPVS change was made. Clear it by hand (-x 0 -y 0 in an ipvsadm -e of it) for lvsplay to manage this real server"',
  '  next',
  '}',
  '{ print "listing thresholds: " $0 }',
].join('\n');
