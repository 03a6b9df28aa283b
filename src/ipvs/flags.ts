import type { Protocol } from '../inventory/model.ts';
import type { IpvsForwarding, IpvsServiceId } from './table.ts';

/** ipvsadm's service switches, as `ipvsadm-save` writes them (SCTP has no short one). */
export const PROTOCOL_FLAG: Readonly<Record<Protocol, string>> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };

/** ipvsadm's forwarding switches: -m masquerading (NAT), -g gatewaying (DR), -i ipip tunnelling. */
export const FORWARDING_FLAG: Readonly<Record<IpvsForwarding, string>> = { masq: '-m', route: '-g', tunnel: '-i' };

/**
 * ipvsadm's own default for `-p` without a value: IPVS_SVC_PERSISTENT_TIMEOUT (6*60) in libipvs.h. The man
 * page says 300; the code says 360. `ipvsadm-save` always prints the value, so this only matters for a
 * hand-written rules file.
 */
export const DEFAULT_PERSISTENCE = 360;

/** ipvsadm's DEF_SCHED, used by -A and -E when -s is missing. */
export const DEFAULT_SCHEDULER = 'wlc';

/** The switch that names a service in every ipvsadm command: `-t 192.168.10.100:80`, or `-f 1`. */
export function serviceSwitch(service: IpvsServiceId): string {
  return service.fwmark === undefined ? `${PROTOCOL_FLAG[service.protocol]} ${service.vip}:${service.port}` : `-f ${service.fwmark}`;
}
