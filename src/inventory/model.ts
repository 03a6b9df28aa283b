import { inSubnet, type Cidr, type IPv4 } from '../net/ipv4.ts';
import type { JumpHop } from '../ssh/config/model.ts';
import type { Become } from './become.ts';
import type { IpvsTuning } from './ipvs-tuning.ts';
import type { CheckFailureAction, ForwardingMethod, HostPresence, PersistenceEngine, Protocol, RoleName, Scheduler, SchedulerFlag } from './input.ts';

export type { Become };
export type { CheckFailureAction, ForwardingMethod, HostPresence, JumpHop, PersistenceEngine, Protocol, RoleName, Scheduler, SchedulerFlag };

/** 1 to 65535. */
export type Port = number & { readonly __brand: 'Port' };
/** 1 to 4294967295 (ipvsadm -f; 0 is no mark): the mark lvsplay's nftables table sets on the packets a service groups. */
export type Fwmark = number & { readonly __brand: 'Fwmark' };
/** 0 to 65535, as ipvsadm -w takes it. */
export type Weight = number & { readonly __brand: 'Weight' };
/** Seconds, 1 to 2678400 (ipvsadm's 31 days). */
export type PersistenceTimeout = number & { readonly __brand: 'PersistenceTimeout' };
/** A contiguous IPv4 netmask shorter than /32 (`255.255.255.0`), as ipvsadm -M takes and prints it. */
export type Netmask = IPv4 & { readonly __netmask: true };
/** A real server's connection threshold (ipvsadm -x/-y), 1 to 2147483647; absent means 0, no threshold. */
export type Threshold = number & { readonly __brand: 'Threshold' };
/** Seconds a leaving real server is drained before it is deleted, 0 to 86400; 0 deletes it at once. */
export type DrainTimeout = number & { readonly __brand: 'DrainTimeout' };
/** A virtual IP: the address clients connect to, owned by a service, never a host's own. */
export type Vip = IPv4 & { readonly __vip: true };

/**
 * How to reach a host, as the inventory says it. Each field it leaves out comes from the OpenSSH client
 * config for the host, then from lvsplay's defaults (the host's name, root, port 22): src/ssh/reach.ts.
 */
export interface SshSettings {
  /** Address, name or ~/.ssh/config alias; the host's inventory name when absent. */
  readonly host?: string;
  readonly port?: Port;
  readonly user?: string;
  readonly privateKey?: string;
  /** Bastions in dialling order; [] is `none`: direct, whatever ~/.ssh/config says. */
  readonly proxyJump?: readonly JumpHop[];
}

/** Where one SSH connection goes and how: the inventory, ~/.ssh/config and the defaults, resolved. */
export interface SshTarget {
  readonly host: string;
  readonly port: Port;
  readonly user: string;
  /** The inventory's key: the only one offered. */
  readonly privateKey?: string;
  /** ~/.ssh/config's IdentityFile lines, when the inventory names no key; ssh-agent is offered after them. */
  readonly identityFiles?: readonly string[];
  /** ~/.ssh/config's IdentitiesOnly: only the identity files (the agent only for those that are encrypted). */
  readonly identitiesOnly?: boolean;
  /** What ~/.ssh/config sets for this host over the run's options (the command line wins over both). */
  readonly knownHostsFile?: string;
  readonly acceptNewHostKeys?: boolean;
  readonly connectTimeoutMs?: number;
  readonly keepalive?: { readonly intervalMs: number; readonly countMax: number };
}

export interface Interface {
  readonly name: string;
  readonly addresses: readonly Cidr[];
}

export interface Host {
  readonly name: string;
  readonly ssh: SshSettings;
  /** Scripts run as root through sudo; absent, as the SSH user itself. */
  readonly become?: Become;
  readonly interfaces: readonly Interface[];
  readonly gateway?: IPv4;
  readonly roles: readonly RoleName[];
  /** `absent`: emptied of what lvsplay made, last in a run; no service sends it traffic. */
  readonly state: HostPresence;
  readonly dip?: IPv4;
  readonly extraAddresses: readonly Interface[];
  /** Directors only. */
  readonly ipvs?: IpvsTuning;
}

export interface RealServer {
  readonly host: string;
  /** The real server's address on its director's DIP subnet. */
  readonly address: IPv4;
  readonly port: Port;
  readonly weight: Weight;
  readonly upperThreshold?: Threshold;
  /** Only with `upperThreshold`, and at most it. */
  readonly lowerThreshold?: Threshold;
}

/** 1 to 255: a VRRP instance's id, unique per network segment. */
export type VirtualRouterId = number & { readonly __brand: 'VirtualRouterId' };

interface CheckTiming {
  /** Seconds between checks, 1 to 3600. */
  readonly interval: number;
  /** Seconds a check may take, 1 to 3600. */
  readonly timeout: number;
  /** Failed checks in a row before the real server is out, 1 to 10. */
  readonly retries: number;
  readonly onFailure: CheckFailureAction;
}

export type HealthCheck = (CheckTiming & { readonly type: 'tcp' }) | (CheckTiming & { readonly type: 'http' | 'https'; readonly path: string; readonly status: number; readonly digest?: string });

/** How a service's VIP moves between its directors: one VRRP instance per list of directors. */
export interface Failover {
  readonly virtualRouterId: VirtualRouterId;
  /** Seconds, 1 to 255. */
  readonly advertInterval: number;
  readonly unicast: boolean;
  /**
   * NAT pairs: the inside address the real servers route replies through, moved with the VIP (a second VRRP
   * instance on the DIP segment, synced with the VIP's on the outside one).
   */
  readonly gateway?: IPv4;
}

/**
 * A firewall-mark service's grouping: the director's nftables table marks packets to the VIP on these ports
 * (of the service's protocol) with `mark`, and IPVS schedules them as one service (`ipvsadm -f MARK`), so
 * that persistence holds a client's HTTP and HTTPS on one real server.
 */
export interface FirewallMark {
  readonly mark: Fwmark;
  readonly ports: readonly [Port, ...Port[]];
}

export interface VirtualService {
  readonly vip: Vip;
  /** With `fwmark`: the first of its ports, which health and status checks of the real servers use. */
  readonly port: Port;
  /** A firewall-mark service; its real servers then get each packet on the port it was sent to. */
  readonly fwmark?: FirewallMark;
  readonly protocol: Protocol;
  readonly scheduler: Scheduler;
  readonly forwarding: ForwardingMethod;
  readonly persistence?: PersistenceTimeout;
  /** Only with `persistence`. */
  readonly persistenceNetmask?: Netmask;
  /** Only with `persistence`. */
  readonly persistenceEngine?: PersistenceEngine;
  /** Non-empty, each the scheduler's own, in the kernel's bit order (fallback, then port). */
  readonly schedulerFlags?: readonly SchedulerFlag[];
  /** UDP only. */
  readonly onePacket?: true;
  /** One or more, the first preferred; with more than one, `failover` says how the VIP moves. */
  readonly directors: readonly [string, ...string[]];
  readonly failover?: Failover;
  readonly healthCheck?: HealthCheck;
  readonly drainTimeout: DrainTimeout;
  /** Present hosts only: an absent host listed in the inventory's service is left out, so that it is drained. */
  readonly realServers: readonly RealServer[];
}

/** A checked inventory: every address parsed, every reference resolved, every rule in `rules.ts` held. */
export interface Inventory {
  readonly file: string;
  readonly hosts: readonly Host[];
  readonly services: readonly VirtualService[];
}

/**
 * Whether keepalived manages the service (its VIP with VRRP, its real servers with health checks) rather than
 * lvsplay's own `ipvsadm -R` delta and rules file: one manager per service, never both.
 */
export function keepalivedManages(service: Pick<VirtualService, 'directors' | 'healthCheck'>): boolean {
  return service.directors.length > 1 || service.healthCheck !== undefined;
}

/** Whether `host` directs the service, preferred or not. */
export function directs(service: Pick<VirtualService, 'directors'>, host: string): boolean {
  return service.directors.includes(host);
}

export function describeService(service: Pick<VirtualService, 'protocol' | 'vip' | 'port' | 'fwmark'>): string {
  if (service.fwmark) return `fwmark ${service.fwmark.mark} (${service.protocol} ${service.vip}:${service.fwmark.ports.join(',')})`;
  return `${service.protocol} ${service.vip}:${service.port}`;
}

/**
 * The addresses that may be a director's DIP, with their interfaces: its own, less its VIPs and what lies on
 * the subnet of a NAT VIP (the outside, where the clients are; a NAT pair's VIP floats there, held by neither).
 * The DIP is `dip` when given, or else the only one: the inventory check holds there is exactly one then.
 */
export function dipCandidates(host: Pick<Host, 'interfaces'>, vips: readonly IPv4[], natVips: readonly IPv4[]): { interface: string; cidr: Cidr }[] {
  return host.interfaces.flatMap((i) => i.addresses.filter((cidr) => !vips.includes(cidr.address) && !natVips.some((vip) => inSubnet(vip, cidr))).map((cidr) => ({ interface: i.name, cidr })));
}
