// A fleet of N Debian hosts as systemd-nspawn containers with sshd, on a bridge inside a network namespace
// of their own: `startFleet(n)` → hosts to SSH into (from inside `netns` only), `exec(host, cmd)`, `stop()`.
//
// Every container boots the same read-only tree (--volatile=overlay: each gets a writable root in tmpfs,
// gone when it stops), gets its address from a per-container file bound at /etc/fleet/net.env, and is
// reached as root with the fleet's key. What start() sets up, stop() undoes; so does the process ending,
// by error or signal (see proc.ts). DESIGN's traps are handled here: the host's inotify instance limit
// (and keyring limits) are raised while the fleet lives, and the address waits for host0.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AgentReply, AgentRequest } from './agent.ts';
import { fleetNetwork, fleetSlots, type FleetNetwork } from './addresses.ts';
import { ensureTools, FLEET_TOOLS } from './deps.ts';
import { createFleetCgroups } from './cgroups.ts';
import { createNetns, raiseSysctls } from './netns.ts';
import { killGroup, mapLimit, onCleanup, run, spawnChild, stamp } from './proc.ts';
import { ensureRootfs } from './rootfs.ts';

export interface FleetHost {
  readonly name: string;
  readonly address: string;
  readonly port: 22;
  readonly user: 'root';
  readonly privateKey: string;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Fleet {
  readonly hosts: readonly FleetHost[];
  /** The network namespace every SSH client must run in: `ip netns exec <netns> …`. */
  readonly netns: string;
  readonly network: FleetNetwork;
  /** Runs `command` on `host` as root over SSH (from inside the namespace); any exit code resolves. */
  exec(host: FleetHost | string, command: string, options?: { stdin?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** Stops every container, removes the namespace (and so the bridge) and restores the host's sysctls. */
  stop(): Promise<void>;
}

export interface FleetOptions {
  readonly log?: (line: string) => void;
  /** A private /16 network address; default 10.213.0.0. */
  readonly base?: string;
  /** Containers booting at once: one more starts each time one answers ssh. Default 24. */
  readonly bootConcurrency?: number;
  /** How long the whole fleet may take to answer; default 120 s + 1 s per container. */
  readonly bootTimeoutMs?: number;
}

export class FleetError extends Error {
  override name = 'FleetError';
}

const AGENT = join(dirname(fileURLToPath(import.meta.url)), 'agent.ts');

/** What the host must allow for hundreds of systemd instances (DESIGN: 128 inotify instances stop at ~40). */
const HOST_SYSCTLS = {
  'fs.inotify.max_user_instances': 8192,
  'fs.inotify.max_user_watches': 524288,
  'kernel.keys.maxkeys': 20000,
  'kernel.keys.maxbytes': 2000000,
};

let current: Promise<Fleet> | undefined;

export async function startFleet(n: number, options: FleetOptions = {}): Promise<Fleet> {
  if (current) throw new FleetError('a fleet is already running in this process; stop() it first');
  const log = options.log ?? ((line: string) => process.stderr.write(`[${stamp()}] ${line}\n`));
  if (process.getuid?.() !== 0) throw new FleetError('the fleet needs root (network namespaces, systemd-nspawn)');
  const slots = fleetSlots(n, options.base);
  const network = fleetNetwork(options.base);
  await ensureTools(FLEET_TOOLS, log);
  const rootfs = await ensureRootfs(log);

  const undo: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    while (undo.length > 0) await undo.pop()!();
  };
  try {
    undo.push(await raiseSysctls(HOST_SYSCTLS, log));
    const netns = await createNetns(network.bridge, log);
    undo.push(netns.remove);
    const dir = await mkdtemp(join(tmpdir(), `lvsbench-${process.pid}-`));
    undo.push(onCleanup({ label: `rm -r ${dir}`, run: () => rm(dir, { recursive: true, force: true }), runSync: () => rmSyncQuiet(dir) }));

    const agent = startAgent(netns.name);
    undo.push(agent.stop);

    const cgroups = await createFleetCgroups(log);
    undo.push(cgroups.remove);

    const fleetId = `${process.pid}-${Date.now().toString(36)}`;
    const containers = new Map<string, Container>();
    undo.push(onCleanup({ label: 'stop containers', run: () => stopContainers([...containers.values()], fleetId, log), runSync: () => killContainersSync([...containers.values()], fleetId) }));

    const hosts: FleetHost[] = slots.map((slot) => ({ name: slot.name, address: slot.address, port: 22, user: 'root', privateKey: rootfs.privateKey }));
    const started = Date.now();
    log(`fleet: starting ${n} container${n === 1 ? '' : 's'} in ${netns.name} (bridge ${netns.bridge} ${network.bridge})`);
    // A bounded number boot at once (each slot is held until its container answers ssh): hundreds of
    // systemd instances starting together on two cores only make every one of them slower.
    const deadline = started + (options.bootTimeoutMs ?? 120_000 + 1_000 * n);
    const states = await mapLimit(slots, options.bootConcurrency ?? 24, async (slot, i) => {
      const envFile = join(dir, `${slot.name}.env`);
      await writeFile(envFile, `FLEET_ADDRESS=${slot.address}/${network.prefix}\n`);
      const container = bootContainer({
        name: slot.name,
        root: rootfs.root,
        netns: netns.name,
        bridge: netns.bridge,
        envFile,
        logFile: join(dir, `${slot.name}.log`),
        fleetId,
        cgroups: await cgroups.prepare(slot.name),
      });
      containers.set(slot.name, container);
      return waitUp(agent, hosts[i]!, container, deadline);
    });
    const down = hosts.filter((_, i) => !states[i]!.ok);
    if (down.length > 0) {
      const details = await Promise.all(down.map(async (host) => `  ${host.name} (${host.address}): ${states[hosts.indexOf(host)]!.detail}; ${await diagnose(containers.get(host.name)!)}`));
      throw new FleetError(`${down.length} of ${n} container${n === 1 ? '' : 's'} did not come up within ${Math.round((deadline - started) / 1000)} s:\n${details.join('\n')}`);
    }
    const degraded = hosts.filter((_, i) => states[i]!.detail !== 'running');
    log(
      `fleet: ${n} container${n === 1 ? '' : 's'} answer ssh after ${((Date.now() - started) / 1000).toFixed(1)} s` +
        (degraded.length > 0
          ? ` (${degraded.length} report a boot state other than running: ${degraded
              .slice(0, 5)
              .map((h) => `${h.name} ${states[hosts.indexOf(h)]!.detail}`)
              .join(', ')})`
          : ''),
    );

    let stopping: Promise<void> | undefined;
    const fleet: Fleet = {
      hosts,
      netns: netns.name,
      network,
      exec: async (target, command, execOptions = {}) => {
        const host = typeof target === 'string' ? hosts.find((h) => h.name === target) : target;
        if (!host) throw new FleetError(`no container named ${String(target)} in this fleet`);
        const reply = await agent.request({
          host: host.address,
          port: host.port,
          user: host.user,
          privateKey: host.privateKey,
          command,
          timeoutMs: execOptions.timeoutMs ?? 60_000,
          ...(execOptions.stdin === undefined ? {} : { stdin: execOptions.stdin }),
        });
        if ('error' in reply) throw new FleetError(`${host.name}: ${reply.error}`);
        return reply;
      },
      stop: () => {
        stopping ??= (async () => {
          const t = Date.now();
          await stopAll();
          current = undefined;
          log(`fleet: stopped ${n} container${n === 1 ? '' : 's'} and removed ${netns.name} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
        })();
        return stopping;
      },
    };
    current = Promise.resolve(fleet);
    return fleet;
  } catch (error) {
    await stopAll();
    current = undefined;
    throw error;
  }
}

interface Container {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

function bootContainer(spec: { name: string; root: string; netns: string; bridge: string; envFile: string; logFile: string; fleetId: string; cgroups: readonly string[] }): Container {
  const out = openSync(spec.logFile, 'a');
  // setpriv's parent-death signal is TERM here, not KILL: nspawn turns TERM into an orderly halt of
  // the container, whereas a killed nspawn would leave the container's init running, orphaned.
  // nsenter --net, not `ip netns exec`: the latter mounts a fresh sysfs on /sys, which hides the host's
  // /sys/fs/cgroup, and nspawn then stops at once ("Failed to determine whether the unified cgroups
  // hierarchy is used: No medium found"). nsenter only switches the network namespace.
  // The shell moves itself into the container's own cgroups (see cgroups.ts), then becomes nspawn.
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'for g in $FLEET_CGROUPS; do echo $$ > "$g/cgroup.procs" || exit 125; done; exec "$@"',
      'sh',
      '/usr/bin/setpriv',
      '--pdeathsig',
      'TERM',
      '--',
      'nsenter',
      `--net=/run/netns/${spec.netns}`,
      '--',
      'systemd-nspawn',
      '--quiet',
      '--keep-unit',
      '--register=no',
      '--boot',
      '--volatile=overlay',
      `--network-bridge=${spec.bridge}`,
      '-D',
      spec.root,
      `--machine=${spec.name}`,
      `--bind-ro=${spec.envFile}:/etc/fleet/net.env`,
      `--setenv=LVSBENCH_OWNER=${process.pid}`,
      `--setenv=LVSBENCH_FLEET=${spec.fleetId}`,
      `--setenv=LVSBENCH_NAME=${spec.name}`,
      '--console=read-only',
      '--link-journal=no',
      '--timezone=off',
      '--resolv-conf=off',
    ],
    { stdio: ['ignore', out, out], detached: true, env: { ...process.env, FLEET_CGROUPS: spec.cgroups.join(' ') } },
  );
  closeSync(out);
  const container: Container = { name: spec.name, child, logFile: spec.logFile };
  child.once('exit', (code, signal) => {
    container.exit = { code, signal };
  });
  child.once('error', () => {
    container.exit = { code: null, signal: null };
  });
  return container;
}

/** Waits until the container answers SSH and has finished booting; `detail` is its boot state or the failure. */
async function waitUp(agent: Agent, host: FleetHost, container: Container, deadline: number): Promise<{ ok: boolean; detail: string }> {
  for (;;) {
    if (container.exit) return { ok: false, detail: `systemd-nspawn exited (${container.exit.signal ?? `code ${container.exit.code}`})` };
    const reply = await agent.request({
      host: host.address,
      port: host.port,
      user: host.user,
      privateKey: host.privateKey,
      command: 'systemctl is-system-running --wait 2>/dev/null; true',
      timeoutMs: Math.max(1_000, deadline - Date.now()),
      retryUntil: Math.min(deadline, Date.now() + 5_000),
    });
    if (!('error' in reply)) return { ok: true, detail: reply.stdout.trim() || 'unknown' };
    if (Date.now() >= deadline) return { ok: false, detail: reply.error };
  }
}

/** What is known about a container that did not come up: nspawn's end, its console, its failed units. */
async function diagnose(container: Container): Promise<string> {
  const console = tail(readQuiet(container.logFile), 6);
  if (container.exit) return `console: ${console || '(empty)'}`;
  const init = containerInits(process.pid).get(container.name);
  if (init === undefined) return `no init process found; console: ${console || '(empty)'}`;
  const inside = await run(
    'nsenter',
    [
      '-t',
      String(init),
      '-m',
      '-u',
      '-i',
      '-n',
      '-p',
      '--',
      'sh',
      '-c',
      'systemctl is-system-running; systemctl --failed --no-legend --plain | head -5; ip -o -4 address show dev host0; ' +
        'for u in $(systemctl --failed --no-legend --plain | awk \'{print $1}\' | head -3); do journalctl -b -u "$u" --no-pager -n 6 -o cat; done',
    ],
    { timeoutMs: 10_000 },
  );
  return `inside: ${`${inside.stdout}${inside.stderr}`.trim().replace(/\n/g, ' | ') || '(no answer)'}`;
}

async function stopContainers(containers: readonly Container[], fleetId: string, log: (line: string) => void): Promise<void> {
  const running = containers.filter((c) => !c.exit);
  const exited = running.map((c) => new Promise<void>((resolve) => (c.exit ? resolve() : c.child.once('exit', () => resolve()))));
  // TERM: nspawn halts the container (its systemd stops units, 10 s at most each, see the tree's conf).
  for (const c of running) killGroup(c.child, 'SIGTERM');
  const graceful = await Promise.race([Promise.all(exited).then(() => true), sleep(30_000).then(() => false)]);
  if (!graceful) {
    const left = running.filter((c) => !c.exit);
    log(
      `fleet: ${left.length} container${left.length === 1 ? '' : 's'} still running 30 s after TERM: killing ${left
        .map((c) => c.name)
        .slice(0, 10)
        .join(' ')}`,
    );
    killContainersSync(left, fleetId);
    await Promise.race([Promise.all(exited), sleep(10_000)]);
  }
  killContainersSync([], fleetId);
}

/** SIGKILL to each nspawn and to every container init of this fleet (killing a pid namespace's init ends it). */
function killContainersSync(containers: readonly Container[], fleetId: string): void {
  for (const c of containers) killGroup(c.child, 'SIGKILL');
  for (const [, pid] of containerInits(process.pid, fleetId)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Container inits this process started (per their environment), by container name. */
function containerInits(owner: number, fleetId?: string): Map<string, number> {
  const inits = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = readQuiet(`/proc/${entry}/environ`, 'latin1').split('\0');
    if (!environ.includes(`LVSBENCH_OWNER=${owner}`) || !environ.includes('container=systemd-nspawn')) continue;
    if (fleetId !== undefined && !environ.includes(`LVSBENCH_FLEET=${fleetId}`)) continue;
    const name = environ.find((v) => v.startsWith('LVSBENCH_NAME='))?.slice('LVSBENCH_NAME='.length);
    if (name !== undefined && !inits.has(name)) inits.set(name, Number(entry));
  }
  return inits;
}

interface Agent {
  request(request: Omit<AgentRequest, 'id'>): Promise<AgentReply>;
  stop(): Promise<void>;
}

function startAgent(netns: string): Agent {
  const child = spawnChild('ip', ['netns', 'exec', netns, process.execPath, '--import', 'jiti/register', AGENT], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: join(dirname(AGENT), '..', '..'),
  });
  const pending = new Map<number, (reply: AgentReply) => void>();
  let nextId = 1;
  let gone: string | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const reply = JSON.parse(line) as AgentReply;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  child.once('exit', (code, signal) => {
    gone = `the fleet's SSH agent exited (${signal ?? `code ${code}`})`;
    for (const [id, resolve] of pending) resolve({ id, error: gone });
    pending.clear();
  });
  const stop = onCleanup({
    label: 'stop the SSH agent',
    run: async () => {
      if (gone) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.end();
      await Promise.race([exited, sleep(3_000)]);
      killGroup(child, 'SIGKILL');
    },
    runSync: () => killGroup(child, 'SIGKILL'),
  });
  return {
    request: (request) =>
      new Promise((resolve) => {
        const id = nextId++;
        if (gone) return resolve({ id, error: gone });
        pending.set(id, resolve);
        child.stdin!.write(`${JSON.stringify({ ...request, id })}\n`);
      }),
    stop,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function readQuiet(path: string, encoding: BufferEncoding = 'utf8'): string {
  try {
    return readFileSync(path, encoding);
  } catch {
    return '';
  }
}

function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

function rmSyncQuiet(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort at exit */
  }
}
