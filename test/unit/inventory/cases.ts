import dr from '../../../inventories/dr.ts';
import natPair from '../../../inventories/nat-pair.ts';
import nat from '../../../inventories/nat.ts';
import { formatIssue, InventoryError } from '../../../src/inventory/issues.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import { INPUT_CASES } from './input-cases.ts';

/** A bad inventory: a seed inventory with one mistake, and every line `lvsplay validate` must print for it. */
export interface BadInventoryCase {
  readonly name: string;
  readonly base: 'nat' | 'dr';
  readonly mutate: (inventory: any) => void;
  readonly expect: readonly string[];
}

export function baseInventory(base: 'nat' | 'dr'): any {
  return structuredClone(base === 'nat' ? nat : dr);
}

/** Seed 4.2 with a second director, lvs2 (192.168.10.82), and the service on both, lvs preferred. */
export function pairInventory(): any {
  const inv = baseInventory('dr');
  inv.hosts.lvs2 = { ...structuredClone(inv.hosts.lvs), interfaces: { eth0: '192.168.10.82/24' } };
  delete inv.services[0].director;
  inv.services[0].directors = ['lvs', 'lvs2'];
  return inv;
}

/** Seed 4.1 on two directors: the VIP 172.16.10.80 and the real servers' gateway 192.168.10.80 float between them. */
export function natPairInventory(): any {
  return structuredClone(natPair);
}

/** Every line `lvsplay validate` prints for `input`; none for a sound inventory. */
export function problems(input: unknown): string[] {
  try {
    checkInventory('inventory.ts', input);
  } catch (error) {
    if (error instanceof InventoryError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

const RULE_CASES: readonly BadInventoryCase[] = [
  {
    name: 'a host state that is neither present nor absent',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.state = 'gone';
    },
    expect: ["host rs1, state: 'gone' is not one of present, absent"],
  },
  {
    name: 'an absent director that a service still names',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.lvs.state = 'absent';
    },
    expect: ["service tcp 192.168.10.100:80, director: host lvs is marked state: 'absent': remove this service, or give it a director that stays"],
  },
  {
    name: 'an absent real server that is not a host',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].realServers.push({ host: 'rs9' });
    },
    expect: ["service tcp 192.168.10.100:80, realServers[2].host: 'rs9' is not a host in this inventory"],
  },
  {
    name: 'a negative drain timeout',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].drainTimeout = -1;
    },
    expect: ['service tcp 192.168.10.100:80, drainTimeout: must be a whole number from 0 to 86400, got -1'],
  },
  {
    name: 'a drain timeout given as text',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].drainTimeout = '30s';
    },
    expect: ["service tcp 192.168.10.100:80, drainTimeout: must be a whole number from 0 to 86400, got the string '30s'"],
  },
  {
    name: "the seed's own typo: RS2 given RS1's address",
    base: 'nat',
    mutate: (inv) => {
      inv.hosts.rs2.interfaces.eth0 = '192.168.10.71/24';
    },
    expect: ["host rs2, interfaces.eth0: 192.168.10.71 is also host rs1's address (interfaces.eth0): each address must belong to one host"],
  },
  {
    name: 'an unparsable address',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces.eth0 = '192.168.10.711/24';
    },
    expect: ["host rs1, interfaces.eth0: '192.168.10.711/24' is not an IPv4 address with a prefix length, like 192.168.10.71/24"],
  },
  {
    name: 'an address without a prefix length',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces.eth0 = '192.168.10.71';
    },
    expect: ["host rs1, interfaces.eth0: '192.168.10.71' has no prefix length (write it as 192.168.10.71/24)"],
  },
  {
    name: 'an out-of-range prefix length',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.lvs.interfaces.eth0 = '192.168.10.81/33';
    },
    expect: ["host lvs, interfaces.eth0: '192.168.10.81/33' has prefix length 33; it must be 8 to 32"],
  },
  {
    name: 'an unparsable VIP',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].vip = '192.168.10';
    },
    expect: ["service tcp 192.168.10:80, vip: '192.168.10' is not an IPv4 address"],
  },
  {
    name: 'an IPv6 gateway',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.gateway = 'fe80::1';
    },
    expect: ["host rs1, gateway: 'fe80::1' is IPv6, which lvsplay does not manage yet"],
  },
  {
    name: 'an out-of-range service port',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].port = 70000;
    },
    expect: ['service tcp 192.168.10.100:70000, port: must be a whole number from 1 to 65535, got 70000'],
  },
  {
    name: 'an out-of-range real server port',
    base: 'nat',
    mutate: (inv) => {
      inv.services[0].realServers[1].port = 0;
    },
    expect: ['service tcp 172.16.10.81:80, realServers[1].port: must be a whole number from 1 to 65535, got 0'],
  },
  {
    name: 'an out-of-range SSH port',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.router.ssh = { port: 65536 };
    },
    expect: ['host router, ssh.port: must be a whole number from 1 to 65535, got 65536'],
  },
  {
    name: 'an out-of-range weight',
    base: 'nat',
    mutate: (inv) => {
      inv.services[0].realServers[0].weight = -1;
    },
    expect: ['service tcp 172.16.10.81:80, realServers[0].weight: must be a whole number from 0 to 65535, got -1'],
  },
  {
    name: 'a weight that is not a whole number',
    base: 'nat',
    mutate: (inv) => {
      inv.services[0].realServers[0].weight = 1.5;
    },
    expect: ['service tcp 172.16.10.81:80, realServers[0].weight: must be a whole number from 0 to 65535, got 1.5'],
  },
  {
    name: 'an out-of-range persistence timeout',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].persistence = 0;
    },
    expect: ['service tcp 192.168.10.100:80, persistence: must be a whole number from 1 to 2678400, got 0'],
  },
  {
    name: 'an unknown scheduler',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].scheduler = 'roundrobin';
    },
    expect: ["service tcp 192.168.10.100:80, scheduler: 'roundrobin' is not one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh"],
  },
  {
    name: 'an unknown protocol',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].protocol = 'icmp';
    },
    expect: ["service icmp 192.168.10.100:80, protocol: 'icmp' is not one of tcp, udp, sctp"],
  },
  {
    name: 'a service with no real server',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].realServers = [];
    },
    expect: ['service tcp 192.168.10.100:80, realServers: is empty: a virtual service needs at least one real server'],
  },
  {
    name: 'a real server that is not a host',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].realServers[1].host = 'rs3';
    },
    expect: ["service tcp 192.168.10.100:80, realServers[1].host: 'rs3' is not a host in this inventory"],
  },
  {
    name: 'a real server with no matching role',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs2.roles = ['realserver-nat'];
    },
    expect: ['service tcp 192.168.10.100:80, realServers[1].host: host rs2 is a real server of a DR service but has no realserver-dr role (it has realserver-nat)'],
  },
  {
    name: 'a NAT real server given the DR role',
    base: 'nat',
    mutate: (inv) => {
      inv.hosts.rs1.roles = ['realserver-dr'];
    },
    expect: ['service tcp 172.16.10.81:80, realServers[0].host: host rs1 is a real server of a NAT service but has no realserver-nat role (it has realserver-dr)'],
  },
  {
    name: 'a host with no role',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.router.roles = [];
    },
    expect: [
      "host router, roles: is empty: give the host at least one role (router, director-nat, director-dr, realserver-nat, realserver-dr, realserver-tun), or mark it state: 'absent' to have lvsplay undo what it made there",
    ],
  },
  {
    name: 'an unknown role',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.router.roles = ['gateway'];
    },
    expect: ["host router, roles: 'gateway' is not a role (known: router, director-nat, director-dr, realserver-nat, realserver-dr, realserver-tun)"],
  },
  {
    name: 'a DR real server not on the subnet of the DIP',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs2.interfaces.eth0 = '192.168.20.72/24';
      inv.hosts.rs2.gateway = '192.168.20.84';
    },
    expect: ["service tcp 192.168.10.100:80, realServers[1].host: rs2 has no address on 192.168.10.0/24, the subnet of director lvs's DIP 192.168.10.81"],
  },
  {
    name: "a director whose DIP is not on the director's interfaces",
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.lvs.dip = '192.168.20.81';
    },
    expect: ["host lvs, dip: 192.168.20.81 is not an address on lvs's interfaces (192.168.10.81/24)"],
  },
  {
    name: 'a director with several candidate DIPs',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.lvs.interfaces.eth1 = '192.168.40.81/24';
    },
    expect: ['host lvs, dip: is required: lvs has several addresses that could be the DIP (192.168.10.81/24, 192.168.40.81/24)'],
  },
  {
    name: 'a NAT real server whose gateway is not the DIP',
    base: 'nat',
    mutate: (inv) => {
      inv.hosts.rs2.gateway = '192.168.10.1';
    },
    expect: ["host rs2, gateway: is 192.168.10.1, but NAT real server rs2 must route replies through director lvs's DIP 192.168.10.81"],
  },
  {
    name: 'a NAT real server with no gateway',
    base: 'nat',
    mutate: (inv) => {
      delete inv.hosts.rs1.gateway;
    },
    expect: ["host rs1, gateway: is not set, but NAT real server rs1 must route replies through director lvs's DIP 192.168.10.81"],
  },
  {
    name: "a gateway on none of the host's subnets",
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.lvs.gateway = '10.0.0.1';
    },
    expect: ["host lvs, gateway: 10.0.0.1 is on none of lvs's subnets (192.168.10.0/24)"],
  },
  {
    name: 'a DR real server on another port',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].realServers[0].port = 8080;
    },
    expect: ['service tcp 192.168.10.100:80, realServers[0].port: 8080 differs from the service port 80: DR forwards packets unchanged, so the real server must serve port 80'],
  },
  // LVS-TUN (issue 14).
  {
    name: 'a TUN real server without the realserver-tun role, and a director without director-dr',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].forwarding = 'tun';
      inv.hosts.rs2.roles = ['realserver-tun'];
      inv.services.push({ ...structuredClone(inv.services[0]), vip: '192.168.10.101', director: 'router', realServers: [{ host: 'rs2' }] });
    },
    expect: [
      'service tcp 192.168.10.100:80, realServers[0].host: host rs1 is a real server of a TUN service but has no realserver-tun role (it has realserver-dr)',
      'service tcp 192.168.10.101:80, director: host router has no director-nat or director-dr role',
    ],
  },
  {
    name: 'a TUN real server on another port, and one off the director subnets with no gateway, or that the director cannot route to',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].forwarding = 'tun';
      inv.hosts.rs1.roles = ['realserver-tun'];
      inv.hosts.rs2.roles = ['realserver-tun'];
      inv.services[0].realServers[0].port = 8080;
      inv.hosts.rs2.interfaces.eth0 = '192.168.40.72/24';
      delete inv.hosts.rs2.gateway;
      inv.hosts.rs3 = { interfaces: { eth0: '192.168.50.73/24' }, gateway: '192.168.50.1', roles: ['realserver-tun'] };
      delete inv.hosts.lvs.gateway;
      inv.services.push({ ...structuredClone(inv.services[0]), port: 443, realServers: [{ host: 'rs3' }] });
    },
    expect: [
      'service tcp 192.168.10.100:80, realServers[0].port: 8080 differs from the service port 80: TUN forwards packets unchanged inside the tunnel, so the real server must serve port 80',
      "service tcp 192.168.10.100:80, realServers[1].host: rs2 has no address on 192.168.10.0/24, the subnet of director lvs's DIP, and no gateway to say which of its addresses other networks reach it at",
      "service tcp 192.168.10.100:443, realServers[0].host: rs3's 192.168.50.73 is on none of director lvs's subnets, and lvs has no gateway to reach it through",
    ],
  },
  {
    name: 'a TUN service on a director pair (keepalived)',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.lvs2 = { ...structuredClone(inv.hosts.lvs), interfaces: { eth0: '192.168.10.82/24' } };
      delete inv.services[0].director;
      inv.services[0].directors = ['lvs', 'lvs2'];
      inv.services[0].forwarding = 'tun';
      inv.hosts.rs1.roles = ['realserver-tun'];
      inv.hosts.rs2.roles = ['realserver-tun'];
    },
    expect: ['service tcp 192.168.10.100:80, forwarding: tun is not supported yet on a service keepalived manages (several directors): lvsplay does not write it into keepalived.conf'],
  },
  {
    name: "a DR VIP that is a host's own address",
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].vip = '192.168.10.84';
    },
    expect: ["service tcp 192.168.10.84:80, vip: 192.168.10.84 is host router's own address (interfaces.eth0): a DR VIP goes on lo:1 and must not be an interface address"],
  },
  {
    name: 'a NAT VIP that is not on the director',
    base: 'nat',
    mutate: (inv) => {
      inv.services[0].vip = '172.16.10.99';
    },
    expect: ["service tcp 172.16.10.99:80, vip: 172.16.10.99 is not an address on director lvs's interfaces: a NAT VIP lives on the director's outside interface"],
  },
  {
    name: 'a director that is not a host',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].director = 'lvs2';
    },
    expect: ["service tcp 192.168.10.100:80, director: 'lvs2' is not a host in this inventory"],
  },
  {
    name: 'a director without a director role',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].director = 'router';
    },
    expect: ['service tcp 192.168.10.100:80, director: host router has no director-nat or director-dr role'],
  },
  {
    name: "a forwarding method the director's role does not do",
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].forwarding = 'nat';
    },
    expect: ['service tcp 192.168.10.100:80, forwarding: is nat, but director lvs has no director-nat role'],
  },
  {
    name: 'a real server listed twice',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].realServers.push({ host: 'rs1' });
    },
    expect: ['service tcp 192.168.10.100:80, realServers[2]: rs1 (rs1:80) is already realServers[0]'],
  },
  {
    name: 'a service listed twice',
    base: 'dr',
    mutate: (inv) => {
      inv.services.push(structuredClone(inv.services[0]));
    },
    expect: ['service tcp 192.168.10.100:80, vip: director lvs has this service twice'],
  },
  {
    name: 'a real server role that no service uses',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs3 = { interfaces: { eth0: '192.168.10.73/24' }, gateway: '192.168.10.84', roles: ['realserver-dr'] };
    },
    expect: ['host rs3, roles: realserver-dr, but no service lists it as a real server'],
  },
  {
    name: 'extra addresses on a host that is not a router',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.extraAddresses = { eth0: '172.16.10.71/24' };
    },
    expect: ['host rs1, extraAddresses: are added by the router role, and this host has no router role'],
  },
  {
    name: 'a misspelt field',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.gatway = inv.hosts.rs1.gateway;
    },
    expect: ['host rs1, gatway: unknown field (known: ssh, become, interfaces, gateway, roles, state, dip, extraAddresses, ipvs)'],
  },
  {
    name: 'an interface name Linux would refuse',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces = { 'eth0 ': '192.168.10.71/24' };
    },
    expect: ["host rs1, interfaces['eth0 ']: is not a Linux interface name (1 to 15 letters, digits, '.', '_' or '-', not starting with '-', not '.' or '..')"],
  },
  {
    name: 'several problems at once, each on its own line',
    base: 'nat',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces.eth0 = 'x';
      inv.services[0].scheduler = 'fifo';
      inv.services[0].port = 'http';
    },
    expect: [
      "host rs1, interfaces.eth0: 'x' is not an IPv4 address with a prefix length, like 192.168.10.71/24",
      "service tcp 172.16.10.81:http, port: must be a whole number from 1 to 65535, got the string 'http'",
      "service tcp 172.16.10.81:http, scheduler: 'fifo' is not one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh",
    ],
  },
  // Service options (issue 14): what the kernel or ipvsadm refuses (test/fixtures/facts/ipvsadm-options.json).
  {
    name: 'a persistence netmask without persistence, and one that is no netmask',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].persistenceNetmask = '255.255.255.0';
      inv.services.push({ ...structuredClone(inv.services[0]), port: 443, persistence: 60, persistenceNetmask: '255.0.255.0' });
    },
    expect: [
      'service tcp 192.168.10.100:80, persistenceNetmask: is only for a persistent service: give persistence too (without -p the kernel keeps -M unused and ipvsadm-save does not print it)',
      "service tcp 192.168.10.100:443, persistenceNetmask: '255.0.255.0' is not an IPv4 netmask like '255.255.255.0'",
    ],
  },
  {
    name: 'scheduler flags of another scheduler, an unknown one, and one twice',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].scheduler = 'wrr';
      inv.services[0].schedulerFlags = ['sh-port'];
      inv.services.push({ ...structuredClone(inv.services[0]), port: 443, scheduler: 'sh', schedulerFlags: ['sh-port', 'mh-fallback'] });
      inv.services.push({ ...structuredClone(inv.services[0]), port: 444, scheduler: 'mh', schedulerFlags: ['flag-1'] });
      inv.services.push({ ...structuredClone(inv.services[0]), port: 445, scheduler: 'mh', schedulerFlags: ['mh-port', 'mh-port'] });
    },
    expect: [
      'service tcp 192.168.10.100:80, schedulerFlags: sh-port is a flag of scheduler sh, not of wrr (ipvsadm refuses it)',
      'service tcp 192.168.10.100:443, schedulerFlags: mh-fallback is a flag of scheduler mh, not of sh (ipvsadm refuses it)',
      "service tcp 192.168.10.100:444, schedulerFlags: 'flag-1' is not a scheduler flag (known: sh-fallback, sh-port, mh-fallback, mh-port)",
      'service tcp 192.168.10.100:445, schedulerFlags: names mh-port twice',
    ],
  },
  {
    name: 'one-packet scheduling and the SIP persistence engine on TCP, the engine without persistence',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].onePacket = true;
      inv.services[0].persistence = 60;
      inv.services[0].persistenceEngine = 'sip';
      inv.services.push({ ...structuredClone(inv.services[0]), port: 5060, protocol: 'udp', persistence: undefined, onePacket: undefined });
    },
    expect: [
      'service tcp 192.168.10.100:80, persistenceEngine: sip reads SIP messages of UDP services only; this service is tcp',
      'service tcp 192.168.10.100:80, onePacket: is for UDP services only (the kernel schedules each datagram); this service is tcp',
      'service udp 192.168.10.100:5060, persistenceEngine: is only for a persistent service: give persistence too (a persistence engine acts on persistence templates)',
    ],
  },
  {
    name: 'a lower threshold above the upper one, or without one',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].realServers[0].upperThreshold = 5;
      inv.services[0].realServers[0].lowerThreshold = 10;
      inv.services[0].realServers[1].lowerThreshold = 3;
    },
    expect: [
      'service tcp 192.168.10.100:80, realServers[0].lowerThreshold: 10 is above upperThreshold 5 (the kernel refuses it)',
      'service tcp 192.168.10.100:80, realServers[1].lowerThreshold: needs upperThreshold: it says when a real server overloaded at its upper threshold takes connections again (the kernel refuses a lower threshold above the upper one, and no upper one is 0)',
    ],
  },
  {
    name: 'service options on a service keepalived manages',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].healthCheck = { type: 'tcp' };
      inv.services[0].persistence = 60;
      inv.services[0].persistenceNetmask = '255.255.255.0';
      inv.services[0].realServers[0].upperThreshold = 5;
    },
    expect: [
      'service tcp 192.168.10.100:80, persistenceNetmask: is not supported yet on a service keepalived manages (a health check): lvsplay does not write it into keepalived.conf',
      'service tcp 192.168.10.100:80, realServers[0].upperThreshold: is not supported yet on a service keepalived manages (a health check): lvsplay does not write it into keepalived.conf',
    ],
  },
  {
    name: 'a firewall mark out of range, with port instead of ports, ports without a mark, a port twice',
    base: 'dr',
    mutate: (inv) => {
      const { port: _port, ...web } = inv.services[0];
      inv.services[0] = { ...web, fwmark: 0, ports: [80, 443] };
      inv.services.push({ ...structuredClone(web), fwmark: 2147483648, ports: [8080] });
      inv.services.push({ ...structuredClone(web), fwmark: 3, port: 81, ports: [81] });
      inv.services.push({ ...structuredClone(web), port: 82, ports: [82] });
      inv.services.push({ ...structuredClone(web), fwmark: 5, ports: [83, 83] });
      inv.services.push({ ...structuredClone(web), fwmark: 6, ports: [] });
      inv.services.push({ ...structuredClone(web), fwmark: 7 });
      inv.services.push({ ...structuredClone(web), fwmark: 8, ports: [84, 70000] });
    },
    expect: [
      'service fwmark 0 (tcp 192.168.10.100:80,443), fwmark: must be a whole number from 1 to 2147483647, got 0',
      'service fwmark 2147483648 (tcp 192.168.10.100:8080), fwmark: must be a whole number from 1 to 2147483647, got 2147483648',
      'service fwmark 3 (tcp 192.168.10.100:81), port: is for a service of one port: a firewall-mark service names the ports its mark groups in ports',
      'service tcp 192.168.10.100:82, ports: is for a firewall-mark service (give fwmark too); a service of one port gives port',
      'service fwmark 5 (tcp 192.168.10.100:83,83), ports: names 83 twice',
      'service fwmark 6 (tcp 192.168.10.100:?), ports: is empty: give the ports of the VIP whose packets the mark groups, e.g. [80, 443]',
      'service fwmark 7 (tcp 192.168.10.100:?), ports: is required with fwmark: the ports of the VIP whose packets the mark groups, e.g. [80, 443]',
      'service fwmark 8 (tcp 192.168.10.100:84,70000), ports[1]: must be a whole number from 1 to 65535, got 70000',
    ],
  },
  {
    name: 'a firewall mark twice on a director, and a port of a VIP both marked and a service of its own',
    base: 'dr',
    mutate: (inv) => {
      const { port: _port, ...web } = inv.services[0];
      inv.services.push({ ...structuredClone(web), fwmark: 1, ports: [443, 80] });
      inv.services.push({ ...structuredClone(web), fwmark: 1, ports: [8080] });
      inv.services.push({ ...structuredClone(web), protocol: 'udp', fwmark: 2, ports: [443] });
    },
    expect: [
      "service fwmark 1 (tcp 192.168.10.100:443,80), ports: tcp 192.168.10.100:80 is also service tcp 192.168.10.100:80's on director lvs: a port of a VIP belongs to one service, marked or not",
      'service fwmark 1 (tcp 192.168.10.100:8080), fwmark: 1 is already the mark of service fwmark 1 (tcp 192.168.10.100:443,80) on director lvs: each service needs its own',
    ],
  },
  {
    name: 'what a firewall-mark service cannot have: -o, --pe, a real server port, keepalived',
    base: 'dr',
    mutate: (inv) => {
      const { port: _port, ...web } = inv.services[0];
      inv.services[0] = { ...web, fwmark: 1, ports: [80, 443], protocol: 'udp', onePacket: true, persistence: 60, persistenceEngine: 'sip' };
      inv.services.push({ ...structuredClone(web), fwmark: 2, ports: [8443], healthCheck: { type: 'tcp' } });
      inv.services[0].realServers[0].port = 80;
    },
    expect: [
      'service fwmark 1 (udp 192.168.10.100:80,443), onePacket: is not for a firewall-mark service: lvsplay gives -o only to a UDP service of one port',
      'service fwmark 1 (udp 192.168.10.100:80,443), persistenceEngine: is not for a firewall-mark service: the SIP engine reads a UDP service of one port',
      "service fwmark 1 (udp 192.168.10.100:80,443), realServers[0].port: is not for a real server of a firewall-mark service: it gets each packet on the port it was sent to (ipvsadm's port 0)",
      'service fwmark 2 (tcp 192.168.10.100:8443), fwmark: is not supported yet on a service keepalived manages (a health check): lvsplay does not write a fwmark virtual_server into keepalived.conf',
    ],
  },
];

/** Every named case: the rules above, then careless and hostile input (`input-cases.ts`). */
export const BAD_INVENTORIES: readonly BadInventoryCase[] = [...RULE_CASES, ...INPUT_CASES];
