import type { IPv4 } from '../net/ipv4.ts';
import type { Fwmark, RealServer, VirtualService, Netmask, PersistenceEngine, PersistenceTimeout, Port, Protocol, Scheduler, SchedulerFlag, Threshold, Vip, Weight } from '../inventory/model.ts';

/** ipvsadm's forwarding switches: -m masquerading (NAT), -g gatewaying (DR), -i tunnelling. */
export type IpvsForwarding = 'masq' | 'route' | 'tunnel';

export interface IpvsDestination {
  readonly address: IPv4;
  /** 0 only in a firewall-mark service: the real server gets each packet on the port it was sent to. */
  readonly port: Port | 0;
  readonly forwarding: IpvsForwarding;
  readonly weight: Weight;
  /** -x; absent is 0, no threshold. ipvsadm-save does not print it: read with `ipvsadm -Ln --thresholds`. */
  readonly upperThreshold?: Threshold;
  /** -y; absent is 0. */
  readonly lowerThreshold?: Threshold;
}

/** A service named by its address: `-t VIP:PORT`. */
export interface IpvsAddressId {
  readonly protocol: Protocol;
  readonly vip: Vip;
  readonly port: Port;
  readonly fwmark?: undefined;
}

/**
 * A firewall-mark service: `-f MARK`. It has no address of its own: the director's packet filter marks the
 * packets it groups (lvsplay's nftables table), and IPVS schedules every packet with the mark.
 */
export interface IpvsMarkId {
  readonly fwmark: Fwmark;
  readonly protocol?: undefined;
  readonly vip?: undefined;
  readonly port?: undefined;
}

/** What identifies a service in every ipvsadm command: `-t VIP:PORT` or `-f MARK`. */
export type IpvsServiceId = IpvsAddressId | IpvsMarkId;

export type IpvsService = IpvsServiceId & IpvsServiceBody;

interface IpvsServiceBody {
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

/** `tcp 192.168.10.100:80`, or `fwmark 1`. */
export function serviceKey(service: IpvsServiceId): string {
  return service.fwmark === undefined ? `${service.protocol} ${service.vip}:${service.port}` : `fwmark ${service.fwmark}`;
}

export function destinationKey(destination: Pick<IpvsDestination, 'address' | 'port'>): string {
  return `${destination.address}:${destination.port}`;
}

/** Whether a real server has a connection threshold (`-x` or `-y`), which `ipvsadm-save` does not print. */
export function hasThreshold(destination: Pick<IpvsDestination, 'upperThreshold' | 'lowerThreshold'>): boolean {
  return destination.upperThreshold !== undefined || destination.lowerThreshold !== undefined;
}

/** A service's own line (`-A`/`-E`), without its real servers. */
export type IpvsServiceSettings = IpvsServiceId & Omit<IpvsServiceBody, 'destinations'>;

export function settingsOf(service: IpvsService): IpvsServiceSettings {
  const { destinations: _destinations, ...settings } = service;
  return settings as IpvsServiceSettings;
}

/** Only what identifies the service, as a change of one real server carries it. */
export function idOf(service: IpvsServiceId): IpvsServiceId {
  return service.fwmark === undefined ? { protocol: service.protocol, vip: service.vip, port: service.port } : { fwmark: service.fwmark };
}

/** What names an inventory's service to IPVS: `-t VIP:PORT`, or `-f MARK`. */
export function serviceIdOf(service: Pick<VirtualService, 'protocol' | 'vip' | 'port' | 'fwmark'>): IpvsServiceId {
  return service.fwmark ? { fwmark: service.fwmark.mark } : { protocol: service.protocol, vip: service.vip, port: service.port };
}

/** A real server of an inventory's service as IPVS keys it: a firewall-mark service's on port 0, each packet keeping its own. */
export function destinationOf(service: Pick<VirtualService, 'fwmark'>, realServer: Pick<RealServer, 'address' | 'port'>): Pick<IpvsDestination, 'address' | 'port'> {
  return { address: realServer.address, port: service.fwmark ? 0 : realServer.port };
}
