// A running copy of one of the seed's clusters: VMs on user-space switches, reachable by
// ssh on forwarded loopback ports, or in a bastion lab through the bastion's. See README.md beside this file.
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byDepth, DEPLOY_PASSWORD, DEPLOY_USER, HARNESS_ROOT, hopsFrom, IMAGE_ROOT, OPERATOR, routeTo, setUpGuests, type Hop, type RouteUser } from './bastion.ts';
import { ensureHostTools } from './deps.ts';
import { ensureImage } from './image.ts';
import { isAlive, log, removeDir, trackDir, type RunResult } from './proc.ts';
import { serveRepo, type RepoServer } from './repo.ts';
import { describeRoute, sshExec, waitForSsh, type SshAccess, type SshOptions, type SshRoute } from './ssh.ts';
import { startSwitch, stopSwitch, type Switch } from './switch.ts';
import { isManaged, segmentsOf, topologies, type HostName, type ManagedHost, type Topology, type TopologyName } from './topologies.ts';
import { chooseAccel, freePorts, startVm, type Vm } from './vm.ts';

export type { SshAccess, SshRoute } from './ssh.ts';
export type { TopologyName, TwoServerTopology } from './topologies.ts';
export { DEPLOY_PASSWORD, DEPLOY_USER } from './bastion.ts';
export { operatorHome, type OperatorHome } from './operator-home.ts';

/** What an operator needs to reach a bastion lab (topologies.ts: `bastion`), besides `access`. */
export interface BastionSide {
  /** The bastion's name in the topology. */
  host: string;
  /** The bastion as an operator reaches it: `deploy` at its forwarded ssh port on 127.0.0.1. */
  access: SshAccess;
  /** Every VM behind the bastion: its address where the bastion (or the VM before it) reaches it. */
  addresses: Readonly<Record<string, string>>;
  /** Every VM's own host key, `ssh-ed25519 AAAA…`, made when the lab started: no two VMs share one. */
  hostKeys: Readonly<Record<string, string>>;
  deployUser: string;
  /** `deploy`'s password, which sudo asks for on the `passwordSudo` hosts. */
  deployPassword: string;
  /** Managed hosts where `deploy`'s sudo needs the password; on the others it needs none. */
  passwordSudo: readonly string[];
}

export interface Lab<T extends TopologyName> {
  topology: T;
  /**
   * How lvsplay reaches every host it manages (the client, and a bastion, are left out on purpose): root at a
   * forwarded port on 127.0.0.1, or in a bastion lab `deploy` at the host's lab address `via` the bastion.
   */
  access: Readonly<Record<ManagedHost<T>, SshRoute>>;
  /** Only in a bastion lab: the bastion, the addresses behind it, host keys and sudo (see operatorHome()). */
  bastion: BastionSide | undefined;
  /** The lab's private key: root's authorized_keys hold its public half, and in a bastion lab deploy's. */
  privateKey: string;
  /** Run a command in a VM as root; stdin is /dev/null unless `input` is given. */
  ssh(host: HostName<T>, command: string, options?: SshOptions): Promise<RunResult>;
  /** Reboot every VM and wait until each answers ssh from its new boot. */
  rebootAll(): Promise<void>;
  /** Reboot these VMs only, the same way. */
  reboot(hosts: readonly HostName<T>[]): Promise<void>;
  /** Pull a VM's plug: it is gone at once, with no shutdown (a host dying). */
  powerOff(host: HostName<T>): Promise<void>;
  /** Boot a VM powered off, and wait until it answers ssh. */
  powerOn(host: HostName<T>): Promise<void>;
  /** Last lines of a VM's serial console, for failure messages. */
  consoleTail(host: HostName<T>, lines?: number): string;
  /** Stop every VM and switch and remove the temp dir; safe to call more than once. */
  stop(): Promise<void>;
  /** Temp dir holding sockets, overlays and console logs (gone after stop). */
  dir: string;
}

export interface LabOptions {
  /** Memory of each VM whose topology names none of its own. */
  memoryMb?: number;
  /** How long every VM gets to answer ssh after a start or a reboot. */
  bootTimeoutMs?: number;
}

const DEFAULT_BOOT_TIMEOUT_S = Number(process.env.LVSPLAY_LAB_BOOT_TIMEOUT ?? 360);
/** A guest's shutdown: every stop job has 15 s (the image's DefaultTimeoutStopSec), on a starved CPU. */
const SHUTDOWN_TIMEOUT_MS = 180_000;
/** While VMs boot, how often the log says which are not up yet and where their consoles are. */
const PROGRESS_EVERY_MS = 60_000;

export async function startLab<T extends TopologyName>(name: T, options: LabOptions = {}): Promise<Lab<T>> {
  const topology: Topology = topologies[name];
  if (!topology) throw new Error(`unknown lab topology "${String(name)}" (known: ${Object.keys(topologies).join(', ')})`);
  const memoryMb = options.memoryMb ?? 320;
  const bootTimeoutMs = options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_S * 1000;

  await ensureHostTools();
  const image = await ensureImage();
  const accel = await chooseAccel(image);
  await removeStaleLabDirs();
  const dir = await mkdtemp(join(tmpdir(), `lvsplay-lab-${process.pid}-`));
  trackDir(dir);

  const switches = new Map<string, Switch>();
  const vms = new Map<string, Vm>();
  let repo: RepoServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all([...vms.values()].map((vm) => vm.stop()));
      await Promise.all([...switches.values()].map((sw) => stopSwitch(sw)));
      await repo?.stop();
      await removeDir(dir);
    })();
    return stopping;
  };

  const names = Object.keys(topology.vms);
  // In a bastion lab only the bastion gets a management NIC; the others are reached hop by hop through it.
  const hops: ReadonlyMap<string, Hop> | undefined = topology.bastion && hopsFrom(topology, topology.bastion.host);
  const withPort = names.filter((host) => !topology.bastion || host === topology.bastion.host);
  const ports = new Map((await freePorts(withPort.length)).map((port, i) => [withPort[i]!, port]));
  // Before a bastion lab's guests are set up, root logs in on port 22 everywhere; after, on the lab's own port.
  let harness: RouteUser = IMAGE_ROOT;
  const routeAs = (host: string, who: RouteUser): SshRoute =>
    hops ? routeTo(hops, host, ports.get(topology.bastion!.host)!, who, image.privateKey) : { host: '127.0.0.1', port: ports.get(host)!, user: who.user, privateKey: image.privateKey };
  const routeOf = (vm: Vm): SshRoute => routeAs(vm.name, harness);
  const vmOf = (host: string): Vm => {
    const vm = vms.get(host);
    if (!vm) throw new Error(`lab ${name} has no host "${host}" (hosts: ${[...vms.keys()].join(', ')})`);
    return vm;
  };
  /** `all` in turns, nearest the bastion first (one turn outside a bastion lab): a turn's routes go through the ones before. */
  const inTurns = (all: readonly Vm[]): Vm[][] => (hops ? byDepth(hops) : [names]).map((group) => all.filter((vm) => group.includes(vm.name))).filter((turn) => turn.length > 0);
  const waitInTurns = async (all: readonly Vm[], oldBootIds?: ReadonlyMap<string, string>) => {
    const timing = { deadline: Date.now() + bootTimeoutMs, timeoutMs: bootTimeoutMs };
    for (const turn of inTurns(all)) await waitAll(turn, timing, routeOf, name, oldBootIds);
  };
  let bastion: BastionSide | undefined;

  try {
    const started = Date.now();
    repo = await serveRepo(image.repo);
    for (const segment of segmentsOf(topology)) switches.set(segment, await startSwitch(segment, dir));
    log(`lab ${name}: starting ${names.join(', ')} (${accel}, ${memoryMb} MB each unless the topology says less) in ${dir}`);
    for (const [index, host] of names.entries()) {
      const spec = topology.vms[host]!;
      const sshPort = ports.get(host);
      vms.set(
        host,
        await startVm({
          name: host,
          index,
          spec,
          image,
          dir: join(dir, host),
          switches,
          sshPort,
          accel,
          memoryMb: spec.memoryMb ?? memoryMb,
          ...(sshPort !== undefined && { guestfwd: repo.guestfwd }),
        }),
      );
    }
    await waitInTurns([...vms.values()]);
    log(`lab ${name}: all ${vms.size} VMs answer ssh after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (hops && topology.bastion) {
      const publicKey = await readFile(`${image.privateKey}.pub`, 'utf8');
      const hostKeys = await setUpGuests(topology, hops, publicKey, (host, command, input) => sshExec(routeAs(host, harness), command, input === undefined ? {} : { input }));
      harness = HARNESS_ROOT;
      await waitInTurns([...vms.values()]);
      const host = topology.bastion.host;
      bastion = {
        host,
        access: routeAs(host, OPERATOR),
        addresses: Object.fromEntries([...hops.values()].filter((hop) => hop.parent !== undefined).map((hop) => [hop.host, hop.address])),
        hostKeys,
        deployUser: DEPLOY_USER,
        deployPassword: DEPLOY_PASSWORD,
        passwordSudo: topology.bastion.passwordSudo,
      };
      log(`lab ${name}: deploy users, sudo and sshd set up behind ${host} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const access = Object.fromEntries(names.filter(isManaged).map((host) => [host, routeAs(host, hops ? OPERATOR : IMAGE_ROOT)])) as Record<ManagedHost<T>, SshRoute>;

  return {
    topology: name,
    access,
    bastion,
    privateKey: image.privateKey,
    dir,
    ssh: (host, command, sshOptions) => sshExec(routeOf(vmOf(host)), command, sshOptions),
    consoleTail: (host, lines) => vmOf(host).consoleTail(lines),
    stop,
    rebootAll: () => rebootVms([...vms.values()]),
    reboot: (hosts) => rebootVms(hosts.map((host) => vmOf(host))),
    powerOff: (host) => vmOf(host).powerOff(),
    powerOn: async (host) => {
      const vm = vmOf(host);
      await vm.powerOn();
      await waitInTurns([vm]);
    },
  };

  async function rebootVms(all: Vm[]): Promise<void> {
    const started = Date.now();
    const bootIds = new Map(
      await Promise.all(
        all.map(async (vm) => {
          const result = await sshExec(routeOf(vm), 'cat /proc/sys/kernel/random/boot_id');
          if (result.code !== 0) throw new Error(`lab ${name}: cannot read boot id of ${vm.name}: ${result.stderr.trim()}`);
          return [vm.name, result.stdout.trim()] as const;
        }),
      ),
    );
    // --no-block: return before sshd is stopped; the exit code of a dropped session is noise. Farthest from a
    // bastion first, since the routes to them go through the nearer ones.
    for (const turn of inTurns(all).reverse()) await Promise.all(turn.map((vm) => sshExec(routeOf(vm), 'systemctl --no-block reboot', { timeoutMs: 30_000 })));
    // The guest's own reboot (stop jobs, unmount, kernel restart) ends its QEMU; a new one boots the disk.
    await Promise.all(all.map((vm) => vm.powerCycle(SHUTDOWN_TIMEOUT_MS)));
    await waitInTurns(all, bootIds);
    log(`lab ${name}: ${all.length} VM${all.length === 1 ? '' : 's'} back after reboot in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

/**
 * Wait for sshd on every VM at once. The first VM that dies or times out stops the others'
 * waits, and the error names it and shows the end of its console.
 */
async function waitAll(vms: Vm[], timing: { deadline: number; timeoutMs: number }, routeOf: (vm: Vm) => SshRoute, lab: string, oldBootIds?: ReadonlyMap<string, string>): Promise<void> {
  const started = Date.now();
  let failed = false;
  const waiting = new Set(vms);
  // A VM that is slow to boot shows where it is, long before its time-out says so.
  const progress = setInterval(() => {
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    for (const vm of waiting) log(`lab ${lab}: ${vm.name} not up after ${seconds} s; console: ${vm.consoleTail(1) || '(empty)'}`);
  }, PROGRESS_EVERY_MS);
  const results = await Promise.allSettled(
    vms.map(async (vm) => {
      const oldBootId = oldBootIds?.get(vm.name);
      try {
        await waitForSsh(routeOf(vm), {
          deadline: timing.deadline,
          abortReason: () => vm.exitReason() ?? (failed ? 'aborted' : undefined),
          ...(oldBootId !== undefined ? { notOutput: { command: 'cat /proc/sys/kernel/random/boot_id', output: oldBootId } } : {}),
        });
        waiting.delete(vm);
        log(`lab ${lab}: ${vm.name} answers ssh at ${describeRoute(routeOf(vm))} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      } catch (error) {
        failed = true;
        throw error;
      }
    }),
  );
  clearInterval(progress);
  const failures = results.flatMap((result, i) => {
    if (result.status === 'fulfilled') return [];
    const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
    if (reason === 'aborted') return [];
    const vm = vms[i]!;
    return [`${vm.name} did not come up within ${timing.timeoutMs / 1000} s: ${reason}\n` + `--- last lines of ${vm.consoleLog} ---\n${vm.consoleTail(25)}`];
  });
  if (failures.length > 0) throw new Error(`lab ${lab}: ${failures.join('\n')}`);
}

/** Temp dirs of labs whose process was SIGKILLed (no handler ran). */
async function removeStaleLabDirs(): Promise<void> {
  for (const name of readdirSync(tmpdir())) {
    const pid = /^lvsplay-lab-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    await removeDir(join(tmpdir(), name));
  }
}
