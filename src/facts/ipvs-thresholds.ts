import { hasThresholds } from '../ipvs/rules-file.ts';
import { serviceSwitch } from '../ipvs/flags.ts';
import { destinationKey, hasThreshold, serviceKey, type IpvsDestination, type IpvsService, type IpvsTable } from '../ipvs/table.ts';
import type { Threshold } from '../inventory/model.ts';
import { FactError } from './fact.ts';

/** Listed thresholds by `serviceKey`, then by `destinationKey`; 0 is none. */
export type ThresholdListing = ReadonlyMap<string, ReadonlyMap<string, { readonly upper: number; readonly lower: number }>>;

/**
 * Shell lines that list the thresholds (`ipvsadm -Ln --thresholds`, which `ipvsadm-save` leaves out) of the
 * services that have lvsplay's: the desired ones with a threshold, and, unless `$rulesAsDesired` is set (the
 * rules file is then the desired one), those with a threshold in the rules file it persisted last, so that
 * one the inventory dropped is seen and cleared. One `ipvsadm -R` reads a `-L` line per service (as the
 * threshold guard does); nothing runs when there is none, the common case.
 */
export function thresholdsListCommand(desired: IpvsTable, rulesFile: string, rulesAsDesired: string): string[] {
  const wanted = desired.filter((service) => hasThresholds([service])).map(serviceSwitch);
  const variable = 'lvsplay_ipvs_thresholds';
  // ipvsadm-save's -a lines never have -x/-y, so a grep for them skips a big file's lines fast.
  const persisted = `grep -e ' -x ' -e ' -y ' ${rulesFile} | awk '$1 == "-a" { print $2 " " $3 }'`;
  if (wanted.length === 0) {
    // The usual case: only a rules file that is not the one wanted may name some, and then no process starts
    // unless it does.
    return [
      `if [ -e /proc/net/ip_vs ] && [ -z "$${rulesAsDesired}" ] && [ -f ${rulesFile} ]; then`,
      `${variable}=$(${persisted} | sort -u | sed 's/^/-L -n --thresholds /')`,
      `[ -z "$${variable}" ] || printf '%s\\n' "$${variable}" | ipvsadm -R 2>&1`,
      'fi',
    ];
  }
  return [
    'if [ -e /proc/net/ip_vs ]; then',
    `${variable}=$( {`,
    `cat <<'LVSPLAY_THRESHOLDS'`,
    ...wanted,
    'LVSPLAY_THRESHOLDS',
    `[ -n "$${rulesAsDesired}" ] || [ ! -f ${rulesFile} ] || ${persisted}`,
    `} | sort -u | sed 's/^/-L -n --thresholds /')`,
    `printf '%s\\n' "$${variable}" | ipvsadm -R 2>&1`,
    'fi',
  ];
}

/** A service's title, keyed as `serviceKey` keys it: `TCP  VIP:PORT …` as `tcp VIP:PORT`, `FWM  1 …` as `fwmark 1`. */
const SERVICE = /^(TCP|UDP|SCTP|FWM) +(\d+\.\d+\.\d+\.\d+:\d+|\d+) /;
const DESTINATION = /^ {2}-> (\d+\.\d+\.\d+\.\d+:\d+) +(\d+) +(\d+) +\d+ +\d+ *$/;

/**
 * `ipvsadm -R`'s listing with stderr (ipvsadm 1.31's list_service with FMT_THRESHOLDS: a title per service,
 * `TCP  VIP:PORT scheduler…` or `FWM  MARK scheduler…`, then `  -> RS:PORT upper lower active inactive`). `No such service`: one in the
 * rules file that is not live, whose thresholds are then nothing to compare.
 */
export function parseThresholdListing(output: string): ThresholdListing {
  const listing = new Map<string, Map<string, { upper: number; lower: number }>>();
  let current: Map<string, { upper: number; lower: number }> | undefined;
  for (const line of output.split('\n')) {
    if (line === '' || line === 'No such service' || /^Prot LocalAddress:Port +Uthreshold/.test(line) || line === '  -> RemoteAddress:Port') continue;
    const service = SERVICE.exec(line);
    const destination = DESTINATION.exec(line);
    if (service) {
      current = new Map();
      listing.set(`${service[1] === 'FWM' ? 'fwmark' : service[1]!.toLowerCase()} ${service[2]}`, current);
    } else if (destination && current) current.set(destination[1]!, { upper: Number(destination[2]), lower: Number(destination[3]) });
    else throw new FactError('ipvs', `listing thresholds: unexpected line '${line}'`);
  }
  return listing;
}

/**
 * `live` with the listed thresholds on the real servers whose thresholds are lvsplay's (`managed`, by
 * `serviceKey/destinationKey`); any other real server's are left out, as ipvsadm-save leaves them out: the
 * step that edits it looks them up first (`thresholdsGuard`).
 */
export function withThresholds(live: IpvsTable, listing: ThresholdListing, managed: ReadonlySet<string>): IpvsService[] {
  return live.map((service) => {
    const listed = listing.get(serviceKey(service));
    if (!listed) return service;
    const destinations = service.destinations.map((destination): IpvsDestination => {
      const key = destinationKey(destination);
      const found = listed.get(key);
      if (!found || !managed.has(`${serviceKey(service)}/${key}`)) return destination;
      const { upperThreshold: _upper, lowerThreshold: _lower, ...rest } = destination;
      return { ...rest, ...(found.upper > 0 && { upperThreshold: found.upper as Threshold }), ...(found.lower > 0 && { lowerThreshold: found.lower as Threshold }) };
    });
    return { ...service, destinations };
  });
}

/** `serviceKey/destinationKey` of each real server of `table` with a threshold. */
export function thresholdKeys(table: IpvsTable): string[] {
  return table.flatMap((service) => service.destinations.filter(hasThreshold).map((d) => `${serviceKey(service)}/${destinationKey(d)}`));
}
