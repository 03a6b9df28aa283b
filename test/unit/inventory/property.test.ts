import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import dr from '../../../inventories/dr.ts';
import drMultiSubnet from '../../../inventories/dr-multi-subnet.ts';
import nat from '../../../inventories/nat.ts';
import { formatIssue, InventoryError, type Issue } from '../../../src/inventory/issues.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import type { InventoryInput } from '../../../src/inventory/input.ts';
import type { Inventory } from '../../../src/inventory/model.ts';

/**
 * The seed inventories with careless and hostile values in place of their own, at any field, as keys and
 * as extra fields: checkInventory must accept a sound result or refuse with problems that each stay one
 * bounded line naming a subject and a field, and never throw anything else.
 */

/**
 * The seeds with every field of the schema given somewhere, so that each can be made hostile: SSH
 * settings in defaults, on routers and on directors (real servers keep their name as SSH address),
 * protocol, persistence, weights, a NAT real server's own port, and the directors' DIP.
 */
function withEveryField(seed: InventoryInput): InventoryInput {
  const natDirector = seed.services.some((s) => seed.hosts[s.director!]!.roles.includes('director-nat'));
  return {
    defaults: { ssh: { port: 22, user: 'root', privateKey: '/root/.ssh/id_ed25519' } },
    hosts: Object.fromEntries(
      Object.entries(seed.hosts).map(([name, host]) => {
        const director = host.roles.some((role) => role.startsWith('director-'));
        const address = String(Object.values(host.interfaces)[0]).split('/')[0]!;
        const ssh = { host: `${name}.lab.example.com`, port: 2222, user: 'admin' };
        if (director) return [name, { ...host, ssh, dip: address }];
        return [name, host.roles.includes('router') ? { ...host, ssh } : host];
      }),
    ),
    services: seed.services.map((service) => ({
      ...service,
      protocol: 'tcp',
      persistence: 300,
      realServers: service.realServers.map((rs) => ({ ...rs, weight: 2, ...(natDirector && { port: 8080 }) })),
    })),
  };
}

const SEEDS = [nat, dr, drMultiSubnet].map(withEveryField);

const RUNS = 600;
/** A problem line longer than this is no longer "one clear line". */
const MAX_LINE = 400;
// Line breaks, terminal controls, and the bidirectional controls that can make a line read otherwise.
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const SUBJECT = /^(inventory|host .+|service .+|services\[\d+\])$/;

// The oracles below are written out here, apart from src/, so that a loosened rule there fails here.
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const DNS_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const USER = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}$/;
const UNUSABLE_VIPS = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'];

const hostileStrings = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../',
    '../../etc/passwd',
    '/',
    '-n',
    '-oProxyCommand=reboot',
    '10.0.0.1,*',
    '*',
    '?',
    '!x',
    'a b',
    '$(reboot)',
    '`id`',
    ';reboot',
    '|sh',
    "'",
    '"',
    '\\',
    '\n',
    'rs1\nhost rs2, gateway: ok',
    '\r\n',
    '\u0000',
    '\u001b[2J',
    '\u009b31m',
    '\u202e',
    '\u2028',
    '\ud800',
    '🙂',
    'é',
    'rs1',
    'lvs',
    'eth0',
    'lo',
    '80',
    '0',
    '-1',
    '1.5',
    'NaN',
    '1e999',
    '0x10',
    '127.1',
    '1',
    '0.0.0.0',
    '127.0.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '169.254.1.1',
    '240.0.0.1',
    '192.168.10.0',
    '192.168.10.255',
    '192.168.10.71',
    '192.168.10.0/24',
    '192.168.10.71/0',
    '192.168.10.71/4',
    '192.168.10.71/33',
    '192.168.10.71/24/24',
    'fe80::1',
    '[::1]',
    '::1',
    'a'.repeat(64),
    'x'.repeat(200_000),
    '__proto__',
    'constructor',
    'toString',
    'rr',
    'tcp',
    'nat',
    'dr',
    'router',
    'director-dr',
    'realserver-nat',
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  // Made of the characters that break lines, paths, shells and terminals, among ordinary ones.
  fc.string({
    unit: fc.constantFrom('a', '1', '.', '-', '_', ':', '/', ' ', "'", '\\', ',', '*', '$', '\n', '\r', '\t', '\u0000', '\u001b', '\u007f', '\u009b', '\u2028', '\u202e', '\ud800', '🙂'),
    maxLength: 20,
  }),
);

/** Addresses that parse but that no VIP, interface or gateway can be, and random ones. */
const unusualAddresses = fc.oneof(
  fc.constantFrom(
    '0.0.0.0',
    '0.1.2.3',
    '127.0.0.1',
    '127.255.0.1',
    '169.254.10.100',
    '224.0.0.1',
    '239.1.1.1',
    '240.0.0.1',
    '255.255.255.255',
    '192.168.10.0',
    '192.168.10.255',
    '192.168.10.71',
    '192.168.10.81',
    '172.16.10.81',
  ),
  fc.ipV4(),
);

const unusualCidrs = fc.tuple(unusualAddresses, fc.oneof(fc.constantFrom(0, 4, 7, 8, 24, 30, 31, 32, 33), fc.integer({ min: -1, max: 99 }))).map(([address, prefix]) => `${address}/${prefix}`);

const hostileNumbers = fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, -0, -1, 0, 1, 1.5, 22, 80, 65535, 65536, 2678401, 1e300, Number.MAX_SAFE_INTEGER + 2), fc.integer(), fc.double());

const hostileValues: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileStrings },
  { weight: 2, arbitrary: hostileNumbers },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, undefined, true, {}, [], [[]], [{}], 10n) },
  { weight: 1, arbitrary: fc.array(hostileStrings, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileStrings, hostileStrings, { maxKeys: 3 }) },
);

type Path = readonly (string | number)[];

interface Mutation {
  readonly kind: 'replace' | 'add-field' | 'rename' | 'delete';
  /** Which node: taken modulo the number of nodes the inventory has at that point. */
  readonly pick: number;
  readonly key: string;
  readonly value: unknown;
}

const mutations = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('replace', 'add-field', 'rename', 'delete'),
  pick: fc.nat(),
  key: hostileStrings,
  value: hostileValues,
});

/** Every node below the root, parents first. */
function pathsOf(value: unknown, path: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) => {
    const child: Path = [...path, Array.isArray(value) ? Number(key) : key];
    return [child, ...pathsOf((value as Record<string, unknown>)[key], child)];
  });
}

function nodeAt(root: unknown, path: Path): any {
  return path.reduce<any>((node, key) => node[key], root);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// defineProperty, so that a key such as '__proto__' becomes a field, as it would from YAML.
function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function apply(root: Record<string, unknown>, given: Mutation): void {
  // A copy: fast-check hands out one `{}` or `[]` of constantFrom to every mutation that draws it, and adding
  // a field to it after it was placed twice would make the inventory a cycle (and this walk overflow).
  const mutation = { ...given, value: structuredClone(given.value) };
  const paths = pathsOf(root);
  const path = paths[mutation.pick % paths.length]!;
  const parent = nodeAt(root, path.slice(0, -1));
  const key = path.at(-1)!;
  switch (mutation.kind) {
    case 'replace':
      parent[key] = mutation.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 'add-field': {
      const target = isObject(parent[key]) ? parent[key] : parent;
      if (isObject(target)) setField(target, mutation.key, mutation.value);
      break;
    }
    case 'rename':
      if (isObject(parent)) {
        const value = parent[key];
        delete parent[key];
        setField(parent, mutation.key, value);
      }
      break;
  }
}

/** Values aimed at what a field holds, besides any hostile value: addresses for addresses, and so on. */
function valuesFor(path: Path): fc.Arbitrary<unknown> {
  const [field, parent] = [path.at(-1), path.at(-2)];
  if (field === 'vip' || field === 'gateway' || field === 'dip') return fc.oneof(unusualAddresses, hostileValues);
  if (parent === 'interfaces' || parent === 'extraAddresses' || path.at(-3) === 'interfaces') return fc.oneof(unusualCidrs, hostileValues);
  if (field === 'port' || field === 'weight' || field === 'persistence') return fc.oneof(hostileNumbers, hostileNumbers.map(String), hostileValues);
  return hostileValues;
}

/** One field's value (a string, a number, a flag) replaced: accepted only if the new value is sound. */
const oneFieldReplaced = fc.tuple(fc.constantFrom(...SEEDS), fc.nat()).chain(([seed, pick]) => {
  const leaves = pathsOf(seed).filter((path) => !isObject(nodeAt(seed, path)) && !Array.isArray(nodeAt(seed, path)));
  const path = leaves[pick % leaves.length]!;
  return valuesFor(path).map((value) => {
    const inventory = structuredClone(seed) as unknown as Record<string, unknown>;
    nodeAt(inventory, path.slice(0, -1))[path.at(-1)!] = value;
    return inventory;
  });
});

/** A host renamed, and every service's reference to it: the name is then a folder and maybe the SSH address. */
const hostRenamed = fc.tuple(fc.constantFrom(...SEEDS), fc.nat(), hostileStrings).map(([seed, pick, name]) => {
  const inventory = structuredClone(seed);
  const hosts = inventory.hosts as Record<string, unknown>;
  const names = Object.keys(hosts);
  const old = names[pick % names.length]!;
  const host = hosts[old];
  delete hosts[old];
  setField(hosts, name, host);
  for (const service of inventory.services as any[]) {
    if (service.director === old) service.director = name;
    for (const rs of service.realServers) if (rs.host === old) rs.host = name;
  }
  return inventory as unknown as Record<string, unknown>;
});

/** Several changes anywhere: values, deletions, extra fields, renamed keys. */
const mangled = fc.tuple(fc.constantFrom(...SEEDS), fc.array(mutations, { minLength: 1, maxLength: 4 })).map(([seed, changes]) => {
  const inventory = structuredClone(seed) as unknown as Record<string, unknown>;
  for (const change of changes) apply(inventory, change);
  return inventory;
});

const inventories = fc.oneof({ weight: 3, arbitrary: oneFieldReplaced }, { weight: 1, arbitrary: hostRenamed }, { weight: 2, arbitrary: mangled });

function assertIssuesAreLines(issues: readonly Issue[]): void {
  assert.ok(issues.length > 0, 'an InventoryError names at least one problem');
  for (const issue of issues) {
    const line = formatIssue(issue);
    assert.match(issue.subject, SUBJECT, line);
    assert.ok(issue.field.length > 0 && issue.message.length > 0, `no field or message: ${line}`);
    assert.ok(!LINE_BREAKING.test(line), `breaks the line: ${JSON.stringify(line)}`);
    assert.ok(line.length <= MAX_LINE, `${line.length} characters: ${line.slice(0, 120)}…`);
  }
}

function isSshAddress(text: string): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text)) return true;
  return DNS_NAME.test(text) && !/(^|\.)\d+\.?$/.test(text);
}

function assertSound(inventory: Inventory): void {
  for (const host of inventory.hosts) {
    assert.ok(HOST_NAME.test(host.name) && !host.name.includes('..'), `host name ${JSON.stringify(host.name)}`);
    assert.ok(isSshAddress(host.ssh.host ?? host.name), `ssh.host ${JSON.stringify(host.ssh.host)} of ${host.name}`);
    assert.ok(host.ssh.user === undefined || USER.test(host.ssh.user), `ssh.user ${JSON.stringify(host.ssh.user)} of ${host.name}`);
    const port = host.ssh.port;
    assert.ok(port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65535), `ssh.port ${port}`);
    assert.ok(!LINE_BREAKING.test(host.ssh.privateKey ?? ''), `ssh.privateKey of ${host.name}`);
  }
  for (const service of inventory.services) {
    const vip = ipaddr.IPv4.parse(service.vip);
    assert.ok(!UNUSABLE_VIPS.some((range) => vip.match(ipaddr.IPv4.parseCIDR(range))), `VIP ${service.vip}`);
    assert.ok(Number.isInteger(service.port) && service.port >= 1 && service.port <= 65535);
    for (const rs of service.realServers) assert.ok(Number.isInteger(rs.weight) && rs.weight >= 0 && rs.weight <= 65535);
  }
}

describe('inventory checks on generated hostile input', () => {
  it('start from seeds with every field given, which pass as they are', () => {
    for (const seed of SEEDS) assert.doesNotThrow(() => checkInventory('inventory.ts', structuredClone(seed)));
  });

  it('return a sound inventory or throw an InventoryError of one-line problems, and nothing else', () => {
    let refused = 0;
    fc.assert(
      fc.property(inventories, (input) => {
        let inventory: Inventory;
        try {
          inventory = checkInventory('inventory.ts', input);
        } catch (error) {
          if (!(error instanceof InventoryError)) throw error;
          assertIssuesAreLines(error.issues);
          refused++;
          return;
        }
        assertSound(inventory);
      }),
      { numRuns: RUNS },
    );
    // Most changes break something; if none did, the generator would be testing nothing.
    assert.ok(refused > RUNS / 4, `only ${refused} of ${RUNS} generated inventories were refused`);
  });
});
