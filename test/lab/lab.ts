// A running copy of one of the seed's clusters: VMs on user-space switches, reachable by
// ssh on forwarded loopback ports. See README.md beside this file.
import { readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureHostTools } from './deps.ts';
import { ensureImage } from './image.ts';
import { isAlive, log, removeDir, trackDir, type RunResult } from './proc.ts';
import { serveRepo, type RepoServer } from './repo.ts';
import { sshExec, waitForSsh, type SshAccess, type SshOptions } from './ssh.ts';
import { startSwitch, stopSwitch, type Switch } from './switch.ts';
import { segmentsOf, topologies, type HostName, type ManagedHost, type Topology, type TopologyName } from './topologies.ts';
import { chooseAccel, freePorts, startVm, type Vm } from './vm.ts';

export type { SshAccess } from './ssh.ts';
export type { TopologyName } from './topologies.ts';

export interface Lab<T extends TopologyName> {
  topology: T;
  /** ssh access to every host lvsplay manages (the client is left out on purpose). */
  access: Readonly<Record<ManagedHost<T>, SshAccess>>;
  /** Run a command in a VM; stdin is /dev/null unless `input` is given. */
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

  const accessOf = (vm: Vm): SshAccess => ({ host: '127.0.0.1', port: vm.sshPort, user: 'root', privateKey: image.privateKey });
  const vmOf = (host: string): Vm => {
    const vm = vms.get(host);
    if (!vm) throw new Error(`lab ${name} has no host "${host}" (hosts: ${[...vms.keys()].join(', ')})`);
    return vm;
  };

  try {
    const started = Date.now();
    repo = await serveRepo(image.repo);
    for (const segment of segmentsOf(topology)) switches.set(segment, await startSwitch(segment, dir));
    const names = Object.keys(topology.vms);
    const ports = await freePorts(names.length);
    log(`lab ${name}: starting ${names.join(', ')} (${accel}, ${memoryMb} MB each) in ${dir}`);
    for (const [index, host] of names.entries()) {
      vms.set(
        host,
        await startVm({
          name: host,
          index,
          spec: topology.vms[host]!,
          image,
          dir: join(dir, host),
          switches,
          sshPort: ports[index]!,
          accel,
          memoryMb,
          guestfwd: repo.guestfwd,
        }),
      );
    }
    await waitAll([...vms.values()], bootTimeoutMs, accessOf, name);
    log(`lab ${name}: all ${vms.size} VMs answer ssh after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (error) {
    await stop();
    throw error;
  }

  const access = Object.fromEntries([...vms.values()].filter((vm) => vm.name !== 'client').map((vm) => [vm.name, accessOf(vm)])) as Record<ManagedHost<T>, SshAccess>;

  return {
    topology: name,
    access,
    dir,
    ssh: (host, command, sshOptions) => sshExec(accessOf(vmOf(host)), command, sshOptions),
    consoleTail: (host, lines) => vmOf(host).consoleTail(lines),
    stop,
    rebootAll: () => rebootVms([...vms.values()]),
    reboot: (hosts) => rebootVms(hosts.map((host) => vmOf(host))),
    powerOff: (host) => vmOf(host).powerOff(),
    powerOn: async (host) => {
      const vm = vmOf(host);
      await vm.powerOn();
      await waitAll([vm], bootTimeoutMs, accessOf, name);
    },
  };

  async function rebootVms(all: Vm[]): Promise<void> {
    const started = Date.now();
    const bootIds = await Promise.all(
      all.map(async (vm) => {
        const result = await sshExec(accessOf(vm), 'cat /proc/sys/kernel/random/boot_id');
        if (result.code !== 0) throw new Error(`lab ${name}: cannot read boot id of ${vm.name}: ${result.stderr.trim()}`);
        return result.stdout.trim();
      }),
    );
    // --no-block: return before sshd is stopped; the exit code of a dropped session is noise.
    await Promise.all(all.map((vm) => sshExec(accessOf(vm), 'systemctl --no-block reboot', { timeoutMs: 30_000 })));
    // The guest's own reboot (stop jobs, unmount, kernel restart) ends its QEMU; a new one boots the disk.
    await Promise.all(all.map((vm) => vm.powerCycle(SHUTDOWN_TIMEOUT_MS)));
    await waitAll(all, bootTimeoutMs, accessOf, name, bootIds);
    log(`lab ${name}: ${all.length} VM${all.length === 1 ? '' : 's'} back after reboot in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

/**
 * Wait for sshd on every VM at once. The first VM that dies or times out stops the others'
 * waits, and the error names it and shows the end of its console.
 */
async function waitAll(vms: Vm[], timeoutMs: number, accessOf: (vm: Vm) => SshAccess, lab: string, oldBootIds?: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const started = Date.now();
  let failed = false;
  const waiting = new Set(vms);
  // A VM that is slow to boot shows where it is, long before its time-out says so.
  const progress = setInterval(() => {
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    for (const vm of waiting) log(`lab ${lab}: ${vm.name} not up after ${seconds} s; console: ${vm.consoleTail(1) || '(empty)'}`);
  }, PROGRESS_EVERY_MS);
  const results = await Promise.allSettled(
    vms.map(async (vm, i) => {
      try {
        await waitForSsh(accessOf(vm), {
          deadline,
          abortReason: () => vm.exitReason() ?? (failed ? 'aborted' : undefined),
          ...(oldBootIds ? { notOutput: { command: 'cat /proc/sys/kernel/random/boot_id', output: oldBootIds[i]! } } : {}),
        });
        waiting.delete(vm);
        log(`lab ${lab}: ${vm.name} answers ssh on 127.0.0.1:${vm.sshPort} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
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
    return [`${vm.name} did not come up within ${timeoutMs / 1000} s: ${reason}\n` + `--- last lines of ${vm.consoleLog} ---\n${vm.consoleTail(25)}`];
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
