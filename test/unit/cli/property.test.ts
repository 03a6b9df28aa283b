/**
 * The command line under careless and hostile inventories: the seed inventories with hostile strings,
 * numbers and shapes put into their fields, their names and beside them, through `validate`, `render` and
 * `run --check` in this process. Whatever the input, each exits 0, 1 or 2, prints no stack trace, writes
 * nothing outside `--out`, and dials no host but an inventory host's checked `ssh.host`: the dial is
 * recorded and refused here, never made, so no traffic leaves the test.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import dr from '../../../inventories/dr.ts';
import nat from '../../../inventories/nat.ts';
import { desiredState } from '../../../roles/index.ts';
import { main } from '../../../src/cli.ts';
import { loadInventory } from '../../../src/inventory/load.ts';
import type { Dial } from '../../../src/run/host-run.ts';
import { ConnectError } from '../../../src/ssh/errors.ts';

type Json = any;

const HOSTILE_STRINGS = [
  '',
  ' ',
  '.',
  '..',
  '../../../etc',
  '/etc/cron.d/x',
  'a/b',
  '-n',
  '-oProxyCommand=id',
  '$(reboot)',
  '`id`',
  "';rm -rf /;'",
  'rs1\nrs2',
  'tab\there',
  '\u0000',
  '\u001b[31m',
  '10.0.0.1,*',
  '*',
  '?',
  '!rs1',
  'rs1 rs2',
  'é',
  '🚀',
  'x'.repeat(300),
  '0.0.0.0',
  '255.255.255.255',
  '127.0.0.1',
  '224.0.0.1',
  '169.254.1.1',
  '192.168.10.81/0',
  '192.168.10.0/24',
  '192.168.10.255/24',
  '80',
  '0x50',
  '1e2',
  'NaN',
  '__proto__',
  'constructor',
  'toString',
  '[::1]',
  '::1',
  'lo',
  'eth0:1',
  'localhost',
  'rs1',
  'lvs',
  'router',
  '192.168.10.71',
  '192.168.10.71/24',
  '192.168.10.100',
  'director-dr',
  'rr',
];

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.integer({ min: -70_000, max: 70_000 }),
  fc.constantFrom(0, -1, 1, 65535, 65536, 2 ** 31, 2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
  fc.constantFrom(null, true, false, [], {}, ['rs1'], { eth0: '1.2.3.4/24' }),
  fc.array(fc.constantFrom(...HOSTILE_STRINGS), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom(...HOSTILE_STRINGS), fc.constantFrom(...HOSTILE_STRINGS), { maxKeys: 2 }),
);

/** Where a hostile value goes: a field, a name, or a key that should not be there at all. */
const SLOTS: readonly ((inventory: Json, value: unknown) => void)[] = [
  (inv, v) => renameKey(inv.hosts, pick(Object.keys(inv.hosts)), String(v)),
  (inv, v) => (inv.hosts[pick(Object.keys(inv.hosts))].ssh = { ...inv.hosts[pick(Object.keys(inv.hosts))].ssh, host: v }),
  (inv, v) => (inv.defaults.ssh.host = v),
  (inv, v) => (inv.defaults.ssh.user = v),
  (inv, v) => (inv.defaults.ssh.port = v),
  (inv, v) => (inv.defaults.ssh.privateKey = v),
  (inv, v) => (inv.defaults[String(v)] = { host: '127.0.0.1' }),
  (inv, v) => (inv.hosts.rs1.interfaces.eth0 = v),
  (inv, v) => renameKey(inv.hosts.rs1.interfaces, 'eth0', String(v)),
  (inv, v) => (inv.hosts.lvs.gateway = v),
  (inv, v) => (inv.hosts.lvs.dip = v),
  (inv, v) => (inv.hosts.rs2.roles = v),
  (inv, v) => (inv.hosts.rs2[String(v)] = 1),
  (inv, v) => (inv.services[0].vip = v),
  (inv, v) => (inv.services[0].port = v),
  (inv, v) => (inv.services[0].protocol = v),
  (inv, v) => (inv.services[0].scheduler = v),
  (inv, v) => (inv.services[0].persistence = v),
  (inv, v) => (inv.services[0].director = v),
  (inv, v) => (inv.services[0].realServers[0].host = v),
  (inv, v) => (inv.services[0].realServers[0].weight = v),
  (inv, v) => (inv.services[0].realServers[0].port = v),
  (inv, v) => (inv.services[0][String(v)] = 'x'),
  (inv, v) => (inv.services = v),
  (inv, v) => (inv[String(v)] = {}),
];

let choice = 0;
/** Slots pick among hosts deterministically from the case's own seed (set per case below). */
function pick<T>(items: readonly T[]): T {
  return items[choice++ % items.length]!;
}

function renameKey(record: Json, from: string, to: string): void {
  if (!record || typeof record !== 'object' || !(from in record) || from === to) return;
  Object.defineProperty(record, to, { value: record[from], enumerable: true, writable: true, configurable: true });
  delete record[from];
}

const inventoryCase = fc.record({
  base: fc.constantFrom('dr', 'nat'),
  seed: fc.nat(),
  // One case in ten unmutated: a valid inventory is otherwise rare, and then render and run --check are never
  // reached (a run of 200 cases once rendered 1 and dialled none).
  mutations: fc.oneof(
    { arbitrary: fc.constant([] as [number, unknown][]), weight: 1 },
    { arbitrary: fc.array(fc.tuple(fc.nat({ max: SLOTS.length - 1 }), hostile), { minLength: 1, maxLength: 3 }), weight: 9 },
  ),
});

function build(c: { base: string; seed: number; mutations: readonly [number, unknown][] }, key: string): Json {
  const inventory = structuredClone(c.base === 'dr' ? dr : nat) as Json;
  inventory.defaults = { ssh: { privateKey: key } };
  choice = c.seed;
  for (const [slot, value] of c.mutations) {
    try {
      SLOTS[slot]!(inventory, structuredClone(value));
    } catch {
      // A slot whose place an earlier mutation removed (services made a number, say): the case goes on as is.
    }
  }
  return inventory;
}

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly dialled: readonly { host: string; port: number }[];
}

/** `lvsplay ARGS` in this process, its output captured and its dials recorded and refused. */
async function lvsplay(args: readonly string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const dialled: { host: string; port: number }[] = [];
  const dial: Dial = async ({ target }, _options, name) => {
    dialled.push({ host: target.host, port: target.port });
    throw new ConnectError(name, `${target.host}:${target.port}`, 'refused', 'recorded by the test, not dialled');
  };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(args, { dial, roles: async () => desiredState });
    return { code, stdout: out.join(''), stderr: err.join(''), dialled };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
}

const STACK_LINE = /^\s+at .*(:\d+:\d+\)?|\(native\)|<anonymous>)$/m;

function assertWellBehaved(command: string, outcome: Outcome): void {
  const said = `${command} exited ${outcome.code}\nstdout: ${outcome.stdout.slice(0, 2000)}\nstderr: ${outcome.stderr.slice(0, 2000)}`;
  assert.ok([0, 1, 2].includes(outcome.code), said);
  assert.doesNotMatch(outcome.stderr, STACK_LINE, said);
  assert.doesNotMatch(outcome.stdout, STACK_LINE, said);
  // A refused inventory or command line says so on stderr; a run whose hosts failed says so in its report.
  if (outcome.code !== 0 && command !== 'run --check') assert.match(outcome.stderr, /^lvsplay: |^error: /, said);
}

/** Every file and folder below `dir`, as paths relative to it. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

describe('the command line under hostile inventories (property)', function () {
  this.timeout(120_000);
  let root: string;
  let key: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'lvsplay-property-'));
    key = join(root, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lvsplay-property', '-f', key]);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('validate, render and run --check exit 0, 1 or 2, never with a stack, never write outside --out, dial only checked hosts', async () => {
    let index = 0;
    // The generator must reach every outcome, or the property would hold for want of cases.
    const reached = { refused: 0, rendered: 0, dialled: 0 };
    await fc.assert(
      fc.asyncProperty(inventoryCase, async (c) => {
        const caseRoot = join(root, `case-${index++}`);
        const work = join(caseRoot, 'work');
        await mkdir(work, { recursive: true });
        try {
          const file = join(work, 'inventory.yml');
          // JSON is YAML: every hostile string survives the trip, escapes and all.
          await writeFile(file, JSON.stringify(build(c, key), null, 1));

          assertWellBehaved('validate', await lvsplay(['validate', file]));

          const out = join(work, 'deep', 'out');
          const render = await lvsplay(['render', file, '--out', out]);
          assertWellBehaved('render', render);
          if (render.code === 0) reached.rendered++;
          else reached.refused++;
          // Nothing beside the inventory and --out: a name made of ../ would have landed here or above.
          assert.deepEqual(await tree(caseRoot), await expectedTree(caseRoot, out), `render wrote outside --out\n${render.stdout}`);

          const run = await lvsplay(['run', file, '--check', '--json', '--known-hosts', join(work, 'known_hosts'), '--ssh-config', 'none']);
          assertWellBehaved('run --check', run);
          assert.doesNotThrow(() => JSON.parse(run.stdout), `run --check --json printed no JSON: ${run.stdout}`);
          if (run.dialled.length > 0) {
            reached.dialled++;
            const inventory = await loadInventory(file);
            // No ssh config: each host is dialled as the inventory says, or at its name and port 22; a name
            // lowercased, as ssh does.
            const checked = new Set(inventory.hosts.map((h) => `${(h.ssh.host ?? h.name).toLowerCase()}:${h.ssh.port ?? 22}`));
            for (const target of run.dialled) {
              assert.ok(checked.has(`${target.host}:${target.port}`), `dialled ${target.host}:${target.port}, which is no host's ssh.host`);
              assert.match(target.host, SSH_HOST, `dialled an unchecked-looking target ${JSON.stringify(target.host)}`);
            }
          }
        } finally {
          await rm(caseRoot, { recursive: true, force: true });
        }
      }),
      { numRuns: 200 },
    );
    assert.ok(reached.refused > 0 && reached.rendered > 0 && reached.dialled > 0, JSON.stringify(reached));
  });
});

/** A DNS name (letters, digits, '-', '.', '_'), an IPv4 address, or an IPv6 literal: nothing a shell or ssh reads as more. */
const SSH_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]+)$/;

/** What a well-behaved run leaves under the case's folder: the inventory, and --out with what render wrote. */
async function expectedTree(caseRoot: string, out: string): Promise<string[]> {
  const outEntries = await readdir(out, { recursive: true }).catch(() => undefined);
  const outRel = relative(caseRoot, out);
  const parents = outEntries === undefined ? [] : ['work/deep', outRel];
  return ['work', 'work/inventory.yml', ...parents, ...(outEntries ?? []).map((entry) => join(outRel, String(entry)))].sort();
}
