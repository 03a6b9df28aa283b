import type { IPv4 } from '../net/ipv4.ts';
import type { Netmask, PersistenceEngine, PersistenceTimeout, Port, Protocol, Scheduler, SchedulerFlag, Threshold, Vip, Weight } from '../inventory/model.ts';

/** ipvsadm's forwarding switches: -m masquerading (NAT), -g gatewaying (DR), -i tunnelling. */
export type IpvsForwarding = 'masq' | 'route' | 'tunnel';

export interface IpvsDestination {
  readonly address: IPv4;
  readonly port: Port;
  readonly forwarding: IpvsForwarding;
  readonly weight: Weight;
  /** -x; absent is 0, no threshold. ipvsadm-save does not print it: read with `ipvsadm -Ln --thresholds`. */
  readonly upperThreshold?: Threshold;
  /** -y; absent is 0. */
  readonly lowerThreshold?: Threshold;
}

export interface IpvsService {
  readonly protocol: Protocol;
  readonly vip: Vip;
  readonly port: Port;
  readonly scheduler: Scheduler;
  readonly persistence?: PersistenceTimeout;
  /** -M, persistent services only; absent is 255.255.255.255. */
  readonly netmask?: Netmask;
  /** --pe, persistent services only. */
  readonly pe?: PersistenceEngine;
  /** -b: non-empty, in the kernel's bit order (fallback, then port), as ipvsadm prints them. */
  readonly schedFlags?: readonly SchedulerFlag[];
  /** -o. */
  readonly onePacket?: true;
  readonly destinations: readonly IpvsDestination[];
}

/** Services in the order they are written and restored; `serviceKey` identifies one across tables. */
export type IpvsTable = readonly IpvsService[];

export function serviceKey(service: Pick<IpvsService, 'protocol' | 'vip' | 'port'>): string {
  return `${service.protocol} ${service.vip}:${service.port}`;
}

export function destinationKey(destination: Pick<IpvsDestination, 'address' | 'port'>): string {
  return `${destination.address}:${destination.port}`;
}

/** What identifies a service in every ipvsadm command: `-t VIP:PORT`. */
export type IpvsServiceId = Pick<IpvsService, 'protocol' | 'vip' | 'port'>;

/** A service's own line (`-A`/`-E`), without its real servers. */
export type IpvsServiceSettings = Omit<IpvsService, 'destinations'>;

export function settingsOf(service: IpvsService): IpvsServiceSettings {
  const { destinations: _destinations, ...settings } = service;
  return settings;
}
