/**
 * What an inventory file is written in: plain strings and numbers, so it reads like the seed's own notes.
 * `loadInventory` checks every field and turns it into the typed model in `model.ts`.
 */

export const ROLE_NAMES = ['router', 'director-nat', 'director-dr', 'realserver-nat', 'realserver-dr', 'realserver-tun'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** The kernel's IPVS schedulers (ip_vs_*.ko): ipvsadm accepts any name, the kernel fails later. */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/**
 * ipvsadm's `-b` names: the two flags of the sh scheduler and the two of mh (the kernel's SCHED1 and SCHED2
 * bits, which mean something only to those schedulers), each only with its own scheduler.
 */
export const SCHEDULER_FLAGS = ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'] as const;
export type SchedulerFlag = (typeof SCHEDULER_FLAGS)[number];

/** Persistence engines (`--pe`, the kernel's ip_vs_pe_*.ko): SIP's is the only one. */
export const PERSISTENCE_ENGINES = ['sip'] as const;
export type PersistenceEngine = (typeof PERSISTENCE_ENGINES)[number];

export const HOST_PRESENCES = ['present', 'absent'] as const;
export type HostPresence = (typeof HOST_PRESENCES)[number];

/** nat (-m), dr (-g), tun (-i: IP-in-IP to a real server that may be on another network). */
export const FORWARDING_METHODS = ['nat', 'dr', 'tun'] as const;
export type ForwardingMethod = (typeof FORWARDING_METHODS)[number];

export interface SshInput {
  /** Address or name to connect to; defaults to the host's name in the inventory. */
  host?: string;
  port?: number;
  user?: string;
  /** Path of a private key; without one, ~/.ssh/config's IdentityFile, ~/.ssh/id_* and ssh-agent are tried. */
  privateKey?: string;
  /** Bastions, as OpenSSH's ProxyJump: `'deploy@bastion:22'`, a chain `'a,b'`, or `'none'`. */
  proxyJump?: string;
}

/**
 * `true` (or `{ method: 'sudo' }`): the host is reached as a non-root user, and lvsplay's scripts run as root
 * through sudo. `false` turns a default's off for one host.
 */
export type BecomeInput = boolean | { method?: 'sudo' };

/** `'192.168.10.71/24'` or several addresses on one interface. */
export type InterfaceAddresses = string | readonly string[];

export interface HostInput {
  ssh?: SshInput;
  /** Over `defaults.become`. */
  become?: BecomeInput;
  /** The host's own addresses, as the network already has them: `{ eth0: '192.168.10.71/24' }`. */
  interfaces: Record<string, InterfaceAddresses>;
  /** The host's default gateway. A NAT real server's must be its director's DIP. */
  gateway?: string;
  roles: readonly RoleName[];
  /**
   * `absent`: lvsplay empties the host of everything it made there (its manifest says what), after the
   * directors have drained it from their services, and then forgets it. Defaults to `present`.
   */
  state?: HostPresence;
  /** Director only: the address real servers reach it on. Needed only when the host has several candidates. */
  dip?: string;
  /** Router only: addresses lvsplay adds and keeps across reboots, e.g. seed 4.3's `{ eth0: '172.16.10.84/24' }`. */
  extraAddresses?: Record<string, InterfaceAddresses>;
  /** Director only: IPVS connection timeouts and sysctls, kept across reboots (src/inventory/ipvs-tuning.ts). */
  ipvs?: IpvsTuningInput;
}

/**
 * A director's IPVS settings, beside its services: the connection timeouts of `ipvsadm --set` and the
 * net.ipv4.vs.* sysctls operators tune. Each is optional: what is left out lvsplay does not set (but for the
 * two sysctls it sets on every director, `IPVS_SETTINGS` of roles/parts/ipvs.ts, which these override).
 */
export interface IpvsTuningInput {
  /**
   * Seconds an idle connection is kept in IPVS's table: `tcp` (established), `tcpFin` (after the FIN),
   * `udp`. Any of them; the kernel's are 900, 120 and 300.
   */
  timeouts?: { tcp?: number; tcpFin?: number; udp?: number };
  /** net.ipv4.vs.conn_reuse_mode: 0, 1 (the kernel's) or 2. */
  connReuseMode?: 0 | 1 | 2;
  /** net.ipv4.vs.expire_nodest_conn. lvsplay sets it on every director: true. */
  expireNodestConn?: boolean;
  /** net.ipv4.vs.expire_quiescent_template. lvsplay sets it on every director: true. */
  expireQuiescentTemplate?: boolean;
  /** net.ipv4.vs.sloppy_tcp: schedule a connection whose first packet is not a SYN (kernel: false). */
  sloppyTcp?: boolean;
  /** net.ipv4.vs.schedule_icmp: schedule ICMP packets to real servers as their connections' are (kernel: false). */
  scheduleIcmp?: boolean;
}

export interface RealServerInput {
  /** Name of a host in `hosts` that plays realserver-nat, realserver-dr or realserver-tun. */
  host: string;
  /** Port on the real server; defaults to the service's port (DR and TUN cannot change it). */
  port?: number;
  /** 0 to 65535; 0 takes the server out of new scheduling. Defaults to 1. */
  weight?: number;
  /**
   * ipvsadm -x: at this many connections (active and inactive) the real server gets no new ones, until it is
   * down to `lowerThreshold` (or, without one, to three quarters of this). Unset: no limit.
   */
  upperThreshold?: number;
  /** ipvsadm -y: where an overloaded real server takes new connections again; at most `upperThreshold`, and only with it. */
  lowerThreshold?: number;
}

export const HEALTH_CHECK_TYPES = ['tcp', 'http', 'https'] as const;
export type HealthCheckType = (typeof HEALTH_CHECK_TYPES)[number];

export const CHECK_FAILURE_ACTIONS = ['remove', 'weight0'] as const;
export type CheckFailureAction = (typeof CHECK_FAILURE_ACTIONS)[number];

/** How keepalived decides that a real server is up (its TCP_CHECK, HTTP_GET, SSL_GET). */
export interface HealthCheckInput {
  type: HealthCheckType;
  /** http/https: the path asked for. Defaults to `/`. */
  path?: string;
  /** http/https: the status code of a healthy answer. Defaults to 200. */
  status?: number;
  /** http/https: the MD5 of a healthy answer's body (`genhash` prints it), checked too when given. */
  digest?: string;
  /** Seconds between checks of one real server. Defaults to 5. */
  interval?: number;
  /** Seconds a check may take to connect (and answer). Defaults to 3. */
  timeout?: number;
  /** Checks in a row that must fail before the real server is taken out. Defaults to 2. */
  retries?: number;
  /**
   * `remove` (the default) deletes a failed real server from the table; `weight0` keeps it at weight 0
   * (keepalived's inhibit_on_failure), so its open connections may finish.
   */
  onFailure?: CheckFailureAction;
}

/** The VRRP instance that moves a service's VIP between its directors (services with one director list share one). */
export interface VrrpInput {
  /** 1 to 255, unique among the VRRP instances of one network segment. Defaults to 51, 52, ... in inventory order. */
  virtualRouterId?: number;
  /** Seconds between the MASTER's adverts; a BACKUP takes over about 3 of them after the last. Defaults to 1. */
  advertInterval?: number;
  /** Adverts sent to the other directors' addresses instead of multicast, for networks that filter VRRP multicast. */
  unicast?: boolean;
  /**
   * NAT only, and required there: the inside address the real servers use as their gateway, held by the
   * MASTER with the VIP (a vrrp_sync_group moves both together), since their replies must pass the director
   * that holds the VIP. On the directors' DIP subnet, and no host's own address.
   */
  gateway?: string;
}

/** A service of one port (`port`), or a firewall-mark service of several (`fwmark` and `ports`). */
export type ServiceInput = ServiceFields & (PortServiceInput | MarkServiceInput);

export interface PortServiceInput {
  port: number;
  fwmark?: never;
  ports?: never;
}

/**
 * ipvsadm -f: the director marks packets to the VIP on `ports` (of `protocol`) with `fwmark`, and IPVS
 * schedules them as one service, so that persistence keeps a client's HTTP and HTTPS on one real server.
 */
export interface MarkServiceInput {
  /** 1 to 2147483647, unique on each of the service's directors. */
  fwmark: number;
  /** The ports of the VIP the mark groups, e.g. [80, 443]. */
  ports: readonly number[];
  port?: never;
}

export interface ServiceFields {
  vip: string;
  /** Defaults to tcp. */
  protocol?: Protocol;
  /** Defaults to wlc, as ipvsadm does. */
  scheduler?: Scheduler;
  /** Defaults to the director's role: director-nat → nat, director-dr → dr; tun (on a director-dr) only when given. */
  forwarding?: ForwardingMethod;
  /** Persistence timeout in seconds (ipvsadm -p). */
  persistence?: number;
  /**
   * ipvsadm -M, with `persistence` only: clients whose addresses agree under this mask share one real server
   * (`'255.255.255.0'`: a whole /24). Defaults to 255.255.255.255, each client on its own.
   */
  persistenceNetmask?: string;
  /** ipvsadm --pe, with `persistence` only: `sip` keeps a SIP Call-ID on one real server (UDP services). */
  persistenceEngine?: PersistenceEngine;
  /** ipvsadm -b: `sh-fallback`, `sh-port` with scheduler sh; `mh-fallback`, `mh-port` with mh. */
  schedulerFlags?: readonly SchedulerFlag[];
  /** ipvsadm -o, UDP only: schedule each datagram on its own, keeping no connection entry. */
  onePacket?: boolean;
  /** Name of the host in `hosts` that plays director-nat or director-dr for this service. */
  director?: string;
  /**
   * Instead of `director`: two or more such hosts, the first preferred. keepalived (which lvsplay then
   * configures) holds the VIP on one of them at a time with VRRP, and moves it when that one fails.
   */
  directors?: readonly string[];
  /** Checked by keepalived (which lvsplay then configures), which takes failing real servers out of the table. */
  healthCheck?: HealthCheckInput;
  /** For a service with `directors`: its VRRP instance. */
  vrrp?: VrrpInput;
  /**
   * Seconds a real server leaving this service is drained before it is deleted: weight 0 (no new
   * connections), then deleted once its active connections reach 0 or this time has passed. 0 deletes at
   * once. Defaults to 60.
   */
  drainTimeout?: number;
  realServers: readonly RealServerInput[];
}

export interface InventoryInput {
  /** Settings every host starts from. */
  defaults?: { ssh?: SshInput; become?: BecomeInput };
  hosts: Record<string, HostInput>;
  services: readonly ServiceInput[];
}

/**
 * `T` with every field the inventory's types do not have turned into a type no value has, named after
 * the field: `gatway: 'x'` then fails with "not assignable to ... { 'is not a field lvsplay knows': 'gatway' }"
 * at the misspelt field itself. Known fields keep T's own (literal) types.
 */
export type OnlyKnownFields<T, Shape> = T extends readonly unknown[]
  ? { [K in keyof T]: OnlyKnownFields<T[K], ElementOf<NonNullable<Shape>>> }
  : T extends object
    ? { [K in keyof T]: K extends keyof NonNullable<Shape> ? OnlyKnownFields<T[K], NonNullable<Shape>[K]> : UnknownField<K> }
    : T;

type ElementOf<S> = S extends readonly (infer E)[] ? E : never;
type UnknownField<K> = { readonly 'is not a field lvsplay knows': K };

/**
 * Identity at run time; in an editor it completes and checks every field of the inventory. `const T` keeps
 * literal types (roles, `dr.services[0]` for an inventory built from another), which defeats TypeScript's
 * own excess-property check; `OnlyKnownFields` restores it, at any depth and for values built elsewhere.
 * (An intersection, not a conditional parameter type, so that `const` inference still applies; NoInfer, so
 * that the check takes no part in inferring T.)
 */
export function defineInventory<const T extends InventoryInput>(inventory: T & NoInfer<OnlyKnownFields<T, InventoryInput>>): T {
  return inventory;
}
