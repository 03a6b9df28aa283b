import type { BadInventoryCase } from './cases.ts';

/**
 * Careless and hostile input (lvsplay runs as root): names that become paths and SSH targets, unknown
 * fields at every level, addresses no host can use, numbers given as strings, and values that would break
 * a message's line. Each case gives every line `lvsplay validate` must print.
 */

const HOST_NAME_RULE = "(1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit, without '..'): a host's name is a folder in render's output and its default SSH address";
const INTERFACE_NAME_RULE = "is not a Linux interface name (1 to 15 letters, digits, '.', '_' or '-', not starting with '-', not '.' or '..')";
const SCHEDULERS = 'rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh';
const DNS_RULE = "is neither an IP address nor a DNS name (RFC 1123: labels of 1 to 63 letters, digits and '-', not starting or ending with '-', joined by '.')";

/** A DR inventory with one more host, rs2's twin, under `name`. */
function hostNamed(name: string, shown: string, what = 'is not a host name'): BadInventoryCase {
  return {
    name: `a host named ${JSON.stringify(name.length > 20 ? `${name.slice(0, 20)}...` : name)}`,
    base: 'dr',
    mutate: (inv) => {
      inv.hosts[name] = structuredClone(inv.hosts.rs2);
    },
    expect: [`inventory, hosts${shown}: ${what} ${HOST_NAME_RULE}`],
  };
}

/** rs1 given `ssh.host`, with the message it must get. */
function sshHost(name: string, host: string, message: string): BadInventoryCase {
  return {
    name,
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.ssh = { host };
    },
    expect: [`host rs1, ssh.host: ${message}`],
  };
}

/** rs1's interfaces replaced by one named `name`. */
function interfaceNamed(name: string, field: string): BadInventoryCase {
  return {
    name: `an interface named ${JSON.stringify(name)}`,
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces = { [name]: '192.168.10.71/24' };
    },
    expect: [`host rs1, interfaces${field}: ${INTERFACE_NAME_RULE}`],
  };
}

/** The DR service's VIP set to `vip`, which is `what`. */
function vip(vip: string, what: string): BadInventoryCase {
  return {
    name: `a VIP that is ${what.replace(/ \(.*/, '')}`,
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].vip = vip;
    },
    expect: [`service tcp ${vip}:80, vip: ${vip} is ${what}, which cannot be a VIP`],
  };
}

const HOST_NAMES: readonly BadInventoryCase[] = [
  hostNamed('..', "['..']"),
  hostNamed('../x', "['../x']"),
  hostNamed('', "['']", 'is empty'),
  hostNamed('a/b', '.a/b'),
  hostNamed('rs3\nrs4', "['rs3\\nrs4']"),
  hostNamed('rs3;reboot', "['rs3;reboot']"),
  hostNamed('$(reboot)', "['$(reboot)']"),
  hostNamed('rs\'3"', "['rs\\'3\"']"),
  hostNamed('rs 3', "['rs 3']"),
  hostNamed('-rs3', "['-rs3']"),
  hostNamed('x'.repeat(64), `['${'x'.repeat(60)}…']`, 'is 64 characters long'),
  hostNamed('x'.repeat(200_000), `['${'x'.repeat(60)}…']`, 'is 200000 characters long'),
  {
    name: 'a badly named host with bad fields, each named under the quoted name',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts['../x'] = { interfaces: { eth0: 'x' }, roles: [] };
    },
    expect: [
      `inventory, hosts['../x']: is not a host name ${HOST_NAME_RULE}`,
      "host '../x', interfaces.eth0: 'x' is not an IPv4 address with a prefix length, like 192.168.10.71/24",
      "host '../x', roles: is empty: give the host at least one role (router, director-nat, director-dr, realserver-nat, realserver-dr, realserver-tun), or mark it state: 'absent' to have lvsplay undo what it made there",
    ],
  },
];

const SSH: readonly BadInventoryCase[] = [
  sshHost('an SSH host that would be a known_hosts wildcard', '10.0.0.1,*', "'10.0.0.1,*' contains one of * ? ! , which known_hosts reads as a pattern, not an address"),
  sshHost('an SSH host that is a wildcard', '*', "'*' contains one of * ? ! , which known_hosts reads as a pattern, not an address"),
  sshHost('an SSH host with a space', 'rs1 rs2', "'rs1 rs2' contains white space"),
  sshHost('an SSH host that ssh would read as an option', '-oProxyCommand=reboot', "'-oProxyCommand=reboot' starts with '-', which ssh would read as an option"),
  sshHost('an SSH host with a newline', 'rs1\n', "'rs1\\n' contains a control character"),
  sshHost('an IPv6 SSH host in brackets', '[::1]', "'[::1]' is in brackets: write an IPv6 address without them"),
  sshHost('an SSH host in inet_aton short form', '127.1', "'127.1' is read by the resolver as the IPv4 address 127.0.0.1, not as a name"),
  sshHost(
    'an SSH host that is neither an address nor a name',
    '10.0.0.256',
    "'10.0.0.256' is neither an IPv4 address (four numbers from 0 to 255) nor a DNS name (whose last label is not all digits)",
  ),
  sshHost('an SSH host with an underscore (not RFC 1123)', 'rs_1.example.com', `'rs_1.example.com' ${DNS_RULE}`),
  sshHost('an SSH host longer than DNS allows', `${'a'.repeat(60)}.`.repeat(5) + 'com', `'${'a'.repeat(60)}…' is longer than 253 characters, which no DNS name is`),
  sshHost('a multicast SSH host', '224.0.0.1', "'224.0.0.1' is a multicast address (224.0.0.0/4), which no host answers SSH on"),
  {
    name: 'a wildcard SSH host in defaults, said once',
    base: 'dr',
    mutate: (inv) => {
      inv.defaults = { ssh: { host: '10.0.0.1,*' } };
    },
    expect: ["inventory, defaults.ssh.host: '10.0.0.1,*' contains one of * ? ! , which known_hosts reads as a pattern, not an address"],
  },
  {
    name: 'a host whose name is not an SSH address, with no ssh.host',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.web_2 = inv.hosts.rs2;
      delete inv.hosts.rs2;
      inv.services[0].realServers[1].host = 'web_2';
    },
    expect: [`host web_2, ssh.host: is not set, so it would be the host's name, which ${DNS_RULE}: give ssh.host`],
  },
  {
    name: 'a host whose name the resolver reads as an address, with no ssh.host',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts['2'] = inv.hosts.rs2;
      delete inv.hosts.rs2;
      inv.services[0].realServers[1].host = '2';
    },
    expect: ["host 2, ssh.host: is not set, so it would be the host's name, which is read by the resolver as the IPv4 address 0.0.0.2, not as a name: give ssh.host"],
  },
  {
    name: 'an SSH user that ssh would read as an option',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.ssh = { user: '-oProxyCommand=reboot' };
    },
    expect: ["host rs1, ssh.user: '-oProxyCommand=reboot' is not a user name (1 to 32 letters, digits, '_', '-' or '.', not starting with '-')"],
  },
  {
    name: 'a ProxyJump that is not [user@]host[:port]',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.ssh = { proxyJump: 'deploy@bastion:99999' };
    },
    expect: ['host rs1, ssh.proxyJump: "deploy@bastion:99999" is not [user@]host[:port] or ssh://[user@]host[:port]'],
  },
  {
    name: 'a ProxyJump hop that ssh would read as an option',
    base: 'dr',
    mutate: (inv) => {
      inv.defaults = { ssh: { proxyJump: 'bastion,-oProxyCommand=reboot' } };
    },
    expect: ["inventory, defaults.ssh.proxyJump: 'bastion,-oProxyCommand=reboot': '-oProxyCommand=reboot' starts with '-', which ssh would read as an option"],
  },
  {
    name: 'a default SSH user with a shell metacharacter',
    base: 'dr',
    mutate: (inv) => {
      inv.defaults = { ssh: { user: 'root;reboot' } };
    },
    expect: ["inventory, defaults.ssh.user: 'root;reboot' is not a user name (1 to 32 letters, digits, '_', '-' or '.', not starting with '-')"],
  },
  {
    name: 'an SSH user longer than 32 characters',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.ssh = { user: 'u'.repeat(33) };
    },
    expect: [`host rs1, ssh.user: '${'u'.repeat(33)}' is not a user name (1 to 32 letters, digits, '_', '-' or '.', not starting with '-')`],
  },
  {
    name: 'a private key path with a newline',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.ssh = { privateKey: '/root/.ssh/id\n' };
    },
    expect: ["host rs1, ssh.privateKey: '/root/.ssh/id\\n' contains a control character, which a key file path should not"],
  },
  {
    name: 'a private key path with a NUL',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.ssh = { privateKey: '/root/.ssh/id\0' };
    },
    expect: ["host rs1, ssh.privateKey: '/root/.ssh/id\\u0000' contains a control character, which a key file path should not"],
  },
  {
    name: 'an empty private key path',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.ssh = { privateKey: '' };
    },
    expect: ["host rs1, ssh.privateKey: must be a non-empty string, got ''"],
  },
];

const UNKNOWN_FIELDS: readonly BadInventoryCase[] = [
  {
    name: 'an unknown top-level field',
    base: 'dr',
    mutate: (inv) => {
      inv.hostz = {};
    },
    expect: ['inventory, hostz: unknown field (known: defaults, hosts, services)'],
  },
  {
    name: 'a misspelt field in defaults',
    base: 'dr',
    mutate: (inv) => {
      inv.defaults = { shh: { port: 2222 } };
    },
    expect: ['inventory, defaults.shh: unknown field (known: ssh, become)'],
  },
  {
    name: 'a misspelt field in defaults.ssh, said once and not per host',
    base: 'dr',
    mutate: (inv) => {
      inv.defaults = { ssh: { usr: 'admin' } };
    },
    expect: ['inventory, defaults.ssh.usr: unknown field (known: host, port, user, privateKey, proxyJump)'],
  },
  {
    name: "a misspelt field in a host's ssh",
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.router.ssh = { prot: 2222 };
    },
    expect: ['host router, ssh.prot: unknown field (known: host, port, user, privateKey, proxyJump)'],
  },
  {
    name: 'a misspelt field in a service',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].schedular = 'rr';
    },
    expect: [
      'service tcp 192.168.10.100:80, schedular: unknown field (known: vip, port, fwmark, ports, protocol, scheduler, forwarding, persistence, persistenceNetmask, persistenceEngine, schedulerFlags, onePacket, director, directors, drainTimeout, healthCheck, vrrp, realServers)',
    ],
  },
  {
    name: 'a misspelt field in a real server',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].realServers[0].wieght = 2;
    },
    expect: ['service tcp 192.168.10.100:80, realServers[0].wieght: unknown field (known: host, port, weight, upperThreshold, lowerThreshold)'],
  },
  {
    name: 'an unknown field whose name has a newline',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1['gate\nway'] = 1;
    },
    expect: ["host rs1, ['gate\\nway']: unknown field (known: ssh, become, interfaces, gateway, roles, state, dip, extraAddresses, ipvs)"],
  },
  {
    name: 'defaults that are not an object',
    base: 'dr',
    mutate: (inv) => {
      inv.defaults = [];
    },
    expect: ['inventory, defaults: must be an object, got a list'],
  },
  {
    name: 'a host that is not an object',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1 = 'x';
    },
    expect: ["inventory, hosts.rs1: must be an object, got 'x'"],
  },
  {
    name: 'a service that is null',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0] = null;
    },
    expect: ['inventory, services[0]: must be an object, got null'],
  },
  {
    name: 'a hole in the list of services',
    base: 'dr',
    mutate: (inv) => {
      inv.services.length = 2;
    },
    expect: ['inventory, services[1]: must be an object, got nothing'],
  },
  {
    name: 'no services at all',
    base: 'dr',
    mutate: (inv) => {
      delete inv.services;
    },
    expect: ['inventory, services: is required: a list of virtual services'],
  },
];

const ADDRESSES: readonly BadInventoryCase[] = [
  vip('0.0.0.0', 'an unspecified address (0.0.0.0/8)'),
  vip('127.0.0.1', 'a loopback address (127.0.0.0/8)'),
  vip('224.0.0.1', 'a multicast address (224.0.0.0/4)'),
  vip('169.254.10.100', 'a link-local address (169.254.0.0/16)'),
  vip('255.255.255.255', 'a broadcast address (255.255.255.255/32)'),
  vip('240.0.0.1', 'a reserved address (240.0.0.0/4)'),
  {
    name: "a VIP that is the broadcast address of the hosts' subnet",
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].vip = '192.168.10.255';
    },
    expect: ["service tcp 192.168.10.255:80, vip: 192.168.10.255 is the broadcast address of 192.168.10.0/24 (host router's interfaces.eth0), which no VIP can be"],
  },
  {
    name: 'a loopback interface listed as an interface',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces.lo = '127.0.0.1/8';
    },
    expect: ["host rs1, interfaces.lo: 127.0.0.1 is a loopback address (127.0.0.0/8), which cannot be a host's interface address"],
  },
  {
    name: 'a multicast interface address',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces.eth0 = '224.1.1.71/24';
    },
    expect: ["host rs1, interfaces.eth0: 224.1.1.71 is a multicast address (224.0.0.0/4), which cannot be a host's interface address"],
  },
  {
    name: 'an unspecified extra address',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.router.extraAddresses = { eth0: '0.0.0.5/24' };
    },
    expect: ["host router, extraAddresses.eth0: 0.0.0.5 is an unspecified address (0.0.0.0/8), which cannot be a host's interface address"],
  },
  {
    name: 'an interface address with prefix /0',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces.eth0 = '192.168.10.71/0';
    },
    expect: ["host rs1, interfaces.eth0: '192.168.10.71/0' has prefix length 0; it must be 8 to 32"],
  },
  {
    name: 'an interface address with a prefix wider than /8',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces.eth0 = '192.168.10.71/4';
    },
    expect: ["host rs1, interfaces.eth0: '192.168.10.71/4' has prefix length 4; it must be 8 to 32"],
  },
  {
    name: "an interface address that is its subnet's network address",
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces.eth0 = '192.168.10.0/24';
    },
    expect: ['host rs1, interfaces.eth0: 192.168.10.0/24 is the network address of 192.168.10.0/24, which no host can have'],
  },
  {
    name: "an interface address that is its subnet's broadcast address",
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.interfaces.eth0 = '192.168.10.255/24';
    },
    expect: ['host rs1, interfaces.eth0: 192.168.10.255/24 is the broadcast address of 192.168.10.0/24, which no host can have'],
  },
  {
    name: "a gateway that is the host's own address",
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.gateway = '192.168.10.71';
    },
    expect: ["host rs1, gateway: 192.168.10.71 is rs1's own address (interfaces.eth0): a gateway is another host on its subnet"],
  },
  {
    name: "a gateway that is its subnet's network address",
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.gateway = '192.168.10.0';
    },
    expect: ['host rs1, gateway: 192.168.10.0 is the network address of 192.168.10.0/24, which no gateway can have'],
  },
  {
    name: "a gateway that is its subnet's broadcast address",
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.gateway = '192.168.10.255';
    },
    expect: ['host rs1, gateway: 192.168.10.255 is the broadcast address of 192.168.10.0/24, which no gateway can have'],
  },
  {
    name: 'a loopback gateway',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.gateway = '127.0.0.1';
    },
    expect: ['host rs1, gateway: 127.0.0.1 is a loopback address (127.0.0.0/8), which cannot be a gateway'],
  },
  {
    name: 'a multicast gateway',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.gateway = '224.0.0.1';
    },
    expect: ['host rs1, gateway: 224.0.0.1 is a multicast address (224.0.0.0/4), which cannot be a gateway'],
  },
  {
    name: 'an unspecified DIP',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.lvs.dip = '0.0.0.0';
    },
    expect: ['host lvs, dip: 0.0.0.0 is an unspecified address (0.0.0.0/8), which cannot be a DIP'],
  },
  interfaceNamed('-n', "['-n']"),
  interfaceNamed('.', "['.']"),
  interfaceNamed('..', "['..']"),
  interfaceNamed('eth0/1', '.eth0/1'),
  interfaceNamed('eth0:1', '.eth0:1'),
  interfaceNamed('eth\t0', "['eth\\t0']"),
  interfaceNamed('abcdefghijklmnop', '.abcdefghijklmnop'),
];

const NUMBERS: readonly BadInventoryCase[] = [
  {
    name: 'a port given as a string',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].port = '80';
    },
    expect: ["service tcp 192.168.10.100:80, port: must be a whole number from 1 to 65535, got the string '80'"],
  },
  {
    name: 'a weight given as a string',
    base: 'nat',
    mutate: (inv) => {
      inv.services[0].realServers[0].weight = '2';
    },
    expect: ["service tcp 172.16.10.81:80, realServers[0].weight: must be a whole number from 0 to 65535, got the string '2'"],
  },
  {
    name: 'a persistence timeout given as a string',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].persistence = '300';
    },
    expect: ["service tcp 192.168.10.100:80, persistence: must be a whole number from 1 to 2678400, got the string '300'"],
  },
  {
    name: 'a port that is NaN',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].port = NaN;
    },
    expect: ['service tcp 192.168.10.100:NaN, port: must be a whole number from 1 to 65535, got NaN'],
  },
  {
    name: 'a port that is an object',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].port = {};
    },
    expect: ['service tcp 192.168.10.100:?, port: must be a whole number from 1 to 65535, got an object'],
  },
  {
    name: 'an SSH port given as a list',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.ssh = { port: [22] };
    },
    expect: ['host rs1, ssh.port: must be a whole number from 1 to 65535, got a list'],
  },
];

const ONE_LINE: readonly BadInventoryCase[] = [
  {
    name: 'a VIP with a newline that would forge a second problem line',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].vip = '192.168.10.100\nhost rs1, gateway: fine';
    },
    expect: ["service tcp '192.168.10.100\\nhost rs1, gateway: fine':80, vip: '192.168.10.100\\nhost rs1, gateway: fine' is not an IPv4 address"],
  },
  {
    name: 'a protocol of 100,000 characters',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].protocol = 'p'.repeat(100_000);
    },
    expect: [`service '${'p'.repeat(60)}…' 192.168.10.100:80, protocol: '${'p'.repeat(60)}…' is not one of tcp, udp, sctp`],
  },
  {
    name: 'a scheduler with terminal escapes and a bidi override',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].scheduler = 'rr\u001b[2J\u009b\u202e';
    },
    expect: [`service tcp 192.168.10.100:80, scheduler: 'rr\\u001b[2J\\u009b\\u202e' is not one of ${SCHEDULERS}`],
  },
  {
    name: 'a director name with a newline',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].director = 'lvs\nrs1';
    },
    expect: ["service tcp 192.168.10.100:80, director: 'lvs\\nrs1' is not a host in this inventory"],
  },
  {
    name: 'a real server that is a path',
    base: 'dr',
    mutate: (inv) => {
      inv.services[0].realServers[0].host = '../../etc';
    },
    expect: ["service tcp 192.168.10.100:80, realServers[0].host: '../../etc' is not a host in this inventory"],
  },
  {
    name: 'fifty unknown roles, listed up to six',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.rs1.roles = Array.from({ length: 50 }, (_, k) => `r${k}`);
    },
    expect: ["host rs1, roles: 'r0', 'r1', 'r2', 'r3', 'r4', 'r5' and 44 more are not roles (known: router, director-nat, director-dr, realserver-nat, realserver-dr, realserver-tun)"],
  },
];

export const INPUT_CASES: readonly BadInventoryCase[] = [...HOST_NAMES, ...SSH, ...UNKNOWN_FIELDS, ...ADDRESSES, ...NUMBERS, ...ONE_LINE];

/** Unusual but sound input, which must pass: the checks above must not refuse what an operator means. */
export interface GoodVariant {
  readonly name: string;
  readonly base: 'nat' | 'dr';
  readonly mutate: (inventory: any) => void;
}

export const GOOD_VARIANTS: readonly GoodVariant[] = [
  {
    name: 'SSH hosts as a DNS name, an absolute name, IPv4 loopback and IPv6 literals',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.router.ssh = { host: 'router.lab.example.com' };
      inv.hosts.lvs.ssh = { host: 'lvs.lab.example.com.' };
      inv.hosts.rs1.ssh = { host: '127.0.0.1', port: 2222 };
      inv.hosts.rs2.ssh = { host: 'fe80::1%eth0' };
    },
  },
  {
    name: 'an IPv6 loopback SSH host, a dotted user and a key path with a space',
    base: 'dr',
    mutate: (inv) => {
      inv.defaults = { ssh: { host: '::1', user: 'ops.deploy', privateKey: '/root/keys/lab key' } };
    },
  },
  {
    name: "host names with '_' and '.', reached through ssh.host",
    base: 'dr',
    mutate: (inv) => {
      inv.hosts['rs_1.dc1'] = { ...inv.hosts.rs1, ssh: { host: '192.168.10.71' } };
      delete inv.hosts.rs1;
      inv.services[0].realServers[0].host = 'rs_1.dc1';
    },
  },
  {
    name: 'a /31 point-to-point link, a /8 subnet and VLAN and bridge interface names',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.router.interfaces['eth1.100'] = '10.0.0.0/31';
      inv.hosts.router.interfaces['br-lan'] = '10.1.0.1/8';
    },
  },
  {
    name: 'a link-local gateway on a link-local subnet',
    base: 'dr',
    mutate: (inv) => {
      inv.hosts.router.interfaces.eth2 = '169.254.1.2/16';
      inv.hosts.router.gateway = '169.254.1.1';
    },
  },
];
