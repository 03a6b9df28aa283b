// One lab VM: a QEMU process booting the shared kernel on its own qcow2 overlay.
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { release, hostname } from 'node:os';
import { join } from 'node:path';
import type { LabImage } from './image.ts';
import { cacheRoot } from './image.ts';
import { isRunning, log, run, runOk, spawnTracked, tail, terminate } from './proc.ts';
import type { Switch } from './switch.ts';
import type { VmSpec } from './topologies.ts';

export type Accel = 'kvm' | 'tcg';

export interface VmConfig {
  name: string;
  /** Position in the lab; makes MAC addresses unique on shared segments. */
  index: number;
  spec: VmSpec;
  image: LabImage;
  /** Private dir for the overlay and logs. */
  dir: string;
  switches: ReadonlyMap<string, Switch>;
  /** The management NIC's forwarded ssh port on 127.0.0.1; without one the VM has no management NIC at all. */
  sshPort: number | undefined;
  accel: Accel;
  memoryMb: number;
  /** The management NIC's `guestfwd=` to the lab's package repository (repo.ts); none without one. */
  guestfwd?: string;
}

export interface Vm {
  name: string;
  /** Undefined for a VM without a management NIC (reached through a bastion). */
  sshPort: number | undefined;
  consoleLog: string;
  /** Why the VM is gone, or undefined while QEMU runs. */
  exitReason(): string | undefined;
  consoleTail(lines?: number): string;
  /**
   * After the guest was asked to reboot: waits for its shutdown to end QEMU (`-no-reboot`), then boots
   * the same disk in a new QEMU. Fails, with the console, if the shutdown does not end in `timeoutMs`.
   */
  powerCycle(timeoutMs: number): Promise<void>;
  /** Pulls the plug: QEMU ends at once and the guest gets no shutdown, as when a host dies. */
  powerOff(): Promise<void>;
  /** After `powerOff`: boots the same disk in a new QEMU. */
  powerOn(): Promise<void>;
  stop(): Promise<void>;
}

/** Static management address: the guest side of QEMU's user-mode network. */
const MGMT_ADDRESS = '10.0.2.15/24';

export function kernelCommandLine(name: string, spec: VmSpec, management: boolean): string {
  const nics = [...spec.nics.map((n) => n.address), ...(management ? [MGMT_ADDRESS] : [])].map((address, i) => `lab.eth${i}=${address}`);
  return [
    'console=ttyS0',
    'root=/dev/vda',
    'rw',
    // eth0, eth1, ... in -device order, as the topologies are written.
    'net.ifnames=0',
    // A throwaway VM under emulation: no need to pay for Spectre mitigations.
    'mitigations=off',
    `lab.hostname=${name}`,
    ...nics,
    ...(spec.gateway ? [`lab.gateway=${spec.gateway}`] : []),
  ].join(' ');
}

function mac(vmIndex: number, nicIndex: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `52:54:00:4c:${hex(vmIndex)}:${hex(nicIndex)}`;
}

export function qemuArgs(config: VmConfig, overlay: string, consoleLog: string): string[] {
  const { name, index, spec } = config;
  const nicArgs = spec.nics.flatMap((nic, i) => {
    const sw = config.switches.get(nic.segment);
    if (!sw) throw new Error(`no switch for segment ${nic.segment}`);
    return ['-netdev', `vde,id=data${i},sock=${sw.socket}`, '-device', `virtio-net-pci,netdev=data${i},mac=${mac(index, i)}`];
  });
  return [
    '-name',
    name,
    '-accel',
    config.accel,
    ...(config.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp',
    '1',
    '-m',
    String(config.memoryMb),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    // A guest reboot ends QEMU instead of resetting the machine: under TCG on a loaded host, a VM reset
    // in place was seen to spin for minutes before its firmware loaded the kernel again (console silent
    // after "reboot: machine restart"). The lab boots a new QEMU on the same disk instead (powerCycle).
    '-no-reboot',
    '-serial',
    `file:${consoleLog}`,
    '-kernel',
    config.image.kernel,
    '-initrd',
    config.image.initrd,
    '-append',
    kernelCommandLine(name, spec, config.sshPort !== undefined),
    // cache=unsafe: the overlay is thrown away with the lab, so flushes buy nothing.
    '-drive',
    `file=${overlay},if=virtio,format=qcow2,cache=unsafe`,
    ...nicArgs,
    ...managementNic(config),
    '-device',
    'virtio-rng-pci',
  ];
}

/**
 * The management NIC, last. restrict=on is what keeps the guest from reaching anything outside through the
 * host: only the forwarded ssh port (and the package repository's guestfwd) cross. Never drop it.
 * ipv6=off: no router advertisements, so no IPv6 default route through it either.
 */
function managementNic(config: VmConfig): string[] {
  if (config.sshPort === undefined) return [];
  return [
    '-netdev',
    `user,id=mgmt,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:${config.sshPort}-:22${config.guestfwd ? `,${config.guestfwd}` : ''}`,
    '-device',
    `virtio-net-pci,netdev=mgmt,mac=${mac(config.index, config.spec.nics.length)}`,
  ];
}

export async function startVm(config: VmConfig): Promise<Vm> {
  await mkdir(config.dir, { recursive: true });
  const overlay = join(config.dir, 'disk.qcow2');
  const consoleLog = join(config.dir, 'console.log');
  const qemuLog = join(config.dir, 'qemu.log');
  await runOk('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', config.image.rootfs, overlay]);
  const args = qemuArgs(config, overlay, consoleLog);
  await writeFile(join(config.dir, 'qemu.cmdline'), `qemu-system-x86_64 ${args.join(' ')}\n`);
  const launch = (): ChildProcess => {
    const logFd = openSync(qemuLog, 'a');
    try {
      return spawnTracked('qemu-system-x86_64', args, { stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
  };
  let child = launch();
  let boots = 1;
  const relaunch = async () => {
    // -serial file: truncates: keep each earlier boot's console beside the new one.
    await rename(consoleLog, join(config.dir, `console.boot${boots}.log`));
    boots++;
    child = launch();
  };
  const readTail = (file: string, lines: number) => (existsSync(file) ? tail(clean(readFileSync(file, 'utf8')), lines) : '');
  const exitReason = () => (isRunning(child) ? undefined : `qemu for ${config.name} exited (${child.exitCode ?? child.signalCode}): ${readTail(qemuLog, 10) || 'no output'}`);
  return {
    name: config.name,
    sshPort: config.sshPort,
    consoleLog,
    exitReason,
    consoleTail: (lines = 30) => readTail(consoleLog, lines),
    powerCycle: async (timeoutMs) => {
      if (!(await exited(child, timeoutMs))) {
        const console = readTail(consoleLog, 25);
        await terminate(child, 5000);
        throw new Error(`${config.name} did not finish shutting down within ${timeoutMs / 1000} s\n--- last lines of ${consoleLog} ---\n${console}`);
      }
      if (child.exitCode !== 0) throw new Error(exitReason() ?? `qemu for ${config.name} exited`);
      await relaunch();
    },
    // SIGTERM ends QEMU itself, not the guest's OS: nothing inside runs a stop job.
    powerOff: () => terminate(child, 5000),
    powerOn: async () => {
      if (isRunning(child)) throw new Error(`${config.name} is running: power it off first`);
      await relaunch();
    },
    stop: () => terminate(child, 5000),
  };
}

/** Whether the child exits within `timeoutMs` (true at once if it has already). */
function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Console logs carry colour codes and carriage returns from systemd's status lines. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

/** Distinct free TCP ports on 127.0.0.1, all held open together so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

let accel: Promise<Accel> | undefined;

/**
 * KVM when it really runs a guest, else TCG. /dev/kvm existing is not enough: on this
 * (nested) machine QEMU opens it fine and then the guest never runs. So boot the lab kernel
 * into an immediate panic under KVM and see whether it gets there. The answer is cached
 * per machine; LVSPLAY_LAB_ACCEL=kvm|tcg overrides.
 */
export function chooseAccel(image: LabImage): Promise<Accel> {
  accel ??= probeAccel(image);
  return accel;
}

async function probeAccel(image: LabImage): Promise<Accel> {
  const forced = process.env.LVSPLAY_LAB_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (!existsSync('/dev/kvm')) return 'tcg';
  const version = (await run('qemu-system-x86_64', ['--version'])).stdout.split('\n')[0] ?? '';
  const key = `${hostname()} ${release()} ${version}`;
  const cacheFile = join(cacheRoot(), 'accel.json');
  try {
    const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { key?: string; accel?: Accel };
    if (cached.key === key && (cached.accel === 'kvm' || cached.accel === 'tcg')) return cached.accel;
  } catch {
    /* no cache yet */
  }

  const works = await kvmBootsKernel(image);
  const chosen: Accel = works ? 'kvm' : 'tcg';
  log(`accel: KVM ${works ? 'works' : 'does not run a guest here'}; using ${chosen}`);
  await mkdir(cacheRoot(), { recursive: true });
  await writeFile(cacheFile, `${JSON.stringify({ key, accel: chosen })}\n`);
  return chosen;
}

async function kvmBootsKernel(image: LabImage): Promise<boolean> {
  const probe = join(cacheRoot(), `.kvm-probe-${process.pid}.log`);
  await run(
    'qemu-system-x86_64',
    [
      '-accel',
      'kvm',
      '-cpu',
      'host',
      '-m',
      '256',
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-no-reboot',
      '-serial',
      `file:${probe}`,
      '-kernel',
      image.kernel,
      '-initrd',
      image.initrd,
      // No init anywhere: the kernel panics at once, and panic=-1 + -no-reboot ends QEMU.
      '-append',
      'console=ttyS0 rdinit=/nonexistent root=/dev/nonexistent panic=-1',
    ],
    { timeoutMs: 20_000 },
  );
  const output = existsSync(probe) ? readFileSync(probe, 'utf8') : '';
  await run('rm', ['-f', probe]);
  return output.includes('Kernel panic');
}
