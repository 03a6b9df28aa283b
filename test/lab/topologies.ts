// The seed tutorial's three clusters, as bare networks: addresses, host names and default
// gateways exactly as in the seed, and nothing LVS-specific (no ip_forward, no VIP, no
// ARP sysctls): configuring those is the job of lvsplay, the tool under test.

export interface NicSpec {
  /** L2 segment (one vde_switch) this NIC is plugged into. */
  segment: string;
  /** Address with prefix length, e.g. 192.168.10.71/24. */
  address: string;
}

export interface VmSpec {
  /** Data NICs, in order: the first is eth0. The management NIC, when the VM has one, comes after them. */
  nics: readonly NicSpec[];
  gateway?: string;
  /** Memory of this VM, when it needs less than the lab's (LabOptions.memoryMb). */
  memoryMb?: number;
}

/**
 * A lab reached the way operators reach production (issue 13): only `host` has a management NIC; every other
 * VM has none and is reached over the lab's own segments through it. See bastion.ts for what each VM gets.
 */
export interface BastionSpec {
  host: string;
  /** Managed hosts where `deploy`'s sudo asks for the password; everywhere else it needs none. */
  passwordSudo: readonly string[];
}

export interface Topology {
  vms: Readonly<Record<string, VmSpec>>;
  bastion?: BastionSpec;
}

const nic = (segment: string, address: string): NicSpec => ({ segment, address });

/** Seed 4.2, shared by 4.3: client — router — lan with lvs, rs1, rs2. */
const drLan = {
  client: { nics: [nic('clientnet', '192.168.30.100/24')], gateway: '192.168.30.10' },
  // eth1 faces the client; forwarding stays off until lvsplay's router role turns it on.
  router: { nics: [nic('lan', '192.168.10.84/24'), nic('clientnet', '192.168.30.10/24')] },
  // The seed says any gateway will do for a DR director: it never routes replies.
  lvs: { nics: [nic('lan', '192.168.10.81/24')], gateway: '192.168.10.200' },
  rs1: { nics: [nic('lan', '192.168.10.71/24')], gateway: '192.168.10.84' },
  rs2: { nics: [nic('lan', '192.168.10.72/24')], gateway: '192.168.10.84' },
} as const satisfies Record<string, VmSpec>;

export const topologies = {
  /** Seed 4.1, LVS-NAT. The seed gives RS2 RS1's address by mistake; .72 is meant. */
  nat: {
    vms: {
      client: { nics: [nic('outside', '172.16.10.100/24')] },
      lvs: { nics: [nic('inside', '192.168.10.81/24'), nic('outside', '172.16.10.81/24')] },
      // NAT replies must go back through the director, so its DIP is the RS gateway.
      rs1: { nics: [nic('inside', '192.168.10.71/24')], gateway: '192.168.10.81' },
      rs2: { nics: [nic('inside', '192.168.10.72/24')], gateway: '192.168.10.81' },
    },
  },
  /** Seed 4.2, LVS-DR with the VIP (192.168.10.100) in the hosts' subnet. */
  dr: { vms: drLan },
  /**
   * Seed 4.3, LVS-DR with the VIP 172.16.10.81 in another subnet. The router's extra
   * 172.16.10.84/24 is deliberately absent: lvsplay adds it.
   */
  'dr-multi-subnet': { vms: drLan },
  /** Seed 4.2 with a second director, lvs2 (192.168.10.82), for keepalived's VRRP pair (issue 12). */
  'dr-pair': { vms: { ...drLan, lvs2: { nics: [nic('lan', '192.168.10.82/24')], gateway: '192.168.10.200' } } },
  /**
   * Seed 4.1 on two directors (issue 12): the VIP 172.16.10.80 outside and the real servers' gateway
   * 192.168.10.80 inside belong to neither director until keepalived, which lvsplay installs, holds both on
   * the MASTER.
   */
  'nat-pair': {
    vms: {
      client: { nics: [nic('outside', '172.16.10.100/24')] },
      lvs: { nics: [nic('inside', '192.168.10.81/24'), nic('outside', '172.16.10.81/24')] },
      lvs2: { nics: [nic('inside', '192.168.10.82/24'), nic('outside', '172.16.10.82/24')] },
      rs1: { nics: [nic('inside', '192.168.10.71/24')], gateway: '192.168.10.80' },
      rs2: { nics: [nic('inside', '192.168.10.72/24')], gateway: '192.168.10.80' },
    },
  },
  /**
   * LVS-TUN (issue 14): seed 4.2's lan without rs2, and rs3 on a segment of its own behind the router. The
   * director reaches rs3 through the router, so its gateway is the router here; rs1 is a TUN real server on
   * the director's own segment.
   */
  'dr-tun': {
    vms: {
      client: drLan.client,
      router: { nics: [nic('lan', '192.168.10.84/24'), nic('clientnet', '192.168.30.10/24'), nic('far', '192.168.40.84/24')] },
      lvs: { nics: [nic('lan', '192.168.10.81/24')], gateway: '192.168.10.84' },
      rs1: drLan.rs1,
      rs3: { nics: [nic('far', '192.168.40.73/24')], gateway: '192.168.40.84' },
    },
  },
  /**
   * Seed 4.2 behind a bastion (issue 13): the bastion (192.168.10.90, on the lan) is the only VM with a
   * management NIC; the others are reached through it, the client through the bastion and then the router.
   * lvsplay logs in as `deploy` and becomes root with sudo, password-less except on rs2.
   */
  'dr-bastion': {
    vms: { ...drLan, bastion: { nics: [nic('lan', '192.168.10.90/24')], memoryMb: 160 } },
    bastion: { host: 'bastion', passwordSudo: ['rs2'] },
  },
} as const satisfies Record<string, Topology>;

export type TopologyName = keyof typeof topologies;
/** The topologies whose lan holds rs1 and rs2: all but the TUN lab's, whose second real server is rs3. */
export type TwoServerTopology = Exclude<TopologyName, 'dr-tun'>;
export type HostName<T extends TopologyName> = keyof (typeof topologies)[T]['vms'] & string;
/** Hosts of a lab that lvsplay does not manage: the tests' vantage point, and the way in of a bastion lab. */
export const UNMANAGED_HOSTS = ['client', 'bastion'] as const;
/** Hosts lvsplay manages. */
export type ManagedHost<T extends TopologyName> = Exclude<HostName<T>, (typeof UNMANAGED_HOSTS)[number]>;

export const isManaged = (host: string): boolean => !(UNMANAGED_HOSTS as readonly string[]).includes(host);

export function segmentsOf(topology: Topology): string[] {
  return [...new Set(Object.values(topology.vms).flatMap((vm) => vm.nics.map((n) => n.segment)))];
}
