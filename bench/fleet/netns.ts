// The fleet's own network: a network namespace with one bridge in it. The host's namespace gets nothing:
// no bridge, no veth, no address, no route. Every container joins the bridge from inside the namespace
// (`ip netns exec NS systemd-nspawn --network-bridge=BR`), and every SSH client runs there too.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, onCleanup, run, runOk, runSync } from './proc.ts';

export const NETNS_PREFIX = 'lvsbench-';
export const BRIDGE = 'lvsbr0';

export interface FleetNetns {
  readonly name: string;
  readonly bridge: string;
  remove(): Promise<void>;
}

/** Creates `lvsbench-<pid>` with the bridge up and `bridgeCidr` on it; removed at remove() or at exit. */
export async function createNetns(bridgeCidr: string, log: (line: string) => void): Promise<FleetNetns> {
  await sweepStale(log);
  const name = `${NETNS_PREFIX}${process.pid}`;
  await runOk('ip', ['netns', 'add', name]);
  const remove = onCleanup({
    label: `ip netns delete ${name}`,
    // Whatever still runs in the namespace (an ssh ControlPersist master, a client that outlived its
    // parent) is ended first: deleting the name alone would leave it running, and the bridge with it.
    run: async () => {
      killPids((await run('ip', ['netns', 'pids', name])).stdout);
      await run('ip', ['netns', 'delete', name]);
    },
    runSync: () => {
      killPids(spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '');
      runSync('ip', ['netns', 'delete', name]);
    },
  });
  try {
    const inNs = (...args: string[]) => runOk('ip', ['netns', 'exec', name, ...args]);
    await inNs('ip', 'link', 'set', 'lo', 'up');
    await inNs('ip', 'link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    await inNs('ip', 'address', 'add', bridgeCidr, 'dev', BRIDGE);
    await inNs('ip', 'link', 'set', BRIDGE, 'up');
  } catch (error) {
    await remove();
    throw error;
  }
  return { name, bridge: BRIDGE, remove };
}

/**
 * Namespaces and containers left by a fleet whose process died without cleaning up (SIGKILL): a container
 * carries `LVSBENCH_OWNER=<pid>` in its init's environment, a namespace the pid in its name.
 */
export async function sweepStale(log: (line: string) => void): Promise<void> {
  for (const pid of staleContainerInits()) {
    log(`fleet: killing container init ${pid} left by a fleet whose process is gone`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  const list = await run('ip', ['netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const owner = new RegExp(`^${NETNS_PREFIX}(\\d+)$`).exec(name)?.[1];
    if (owner === undefined || Number(owner) === process.pid || isAlive(Number(owner))) continue;
    log(`fleet: removing network namespace ${name} left by process ${owner}, which is gone`);
    killPids((await run('ip', ['netns', 'pids', name])).stdout);
    await run('ip', ['netns', 'delete', name]);
  }
}

function staleContainerInits(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    const owner = /(?:^|\0)LVSBENCH_OWNER=(\d+)(?:\0|$)/.exec(environ)?.[1];
    // Only a container's init: its environment says so (`container=systemd-nspawn`).
    if (owner === undefined || !environ.includes('container=systemd-nspawn')) continue;
    if (Number(owner) !== process.pid && !isAlive(Number(owner))) pids.push(Number(entry));
  }
  return pids;
}

/** Where the values a fleet replaced are kept until it restores them: a SIGKILLed fleet's next run does. */
const SYSCTL_STATE_DIR = '/run/lvsbench';

/** Raises host-wide sysctls to at least `wanted`, restoring the old values at restore() or at exit. */
export async function raiseSysctls(wanted: Readonly<Record<string, number>>, log: (line: string) => void): Promise<() => Promise<void>> {
  restoreStaleSysctls(log);
  const old: Record<string, string> = {};
  const stateFile = join(SYSCTL_STATE_DIR, `sysctl-${process.pid}.json`);
  for (const [key, value] of Object.entries(wanted)) {
    const path = `/proc/sys/${key.replaceAll('.', '/')}`;
    const now = readFileSync(path, 'utf8').trim();
    if (Number(now) >= value) continue;
    old[path] = now;
    mkdirSync(SYSCTL_STATE_DIR, { recursive: true });
    writeFileSync(stateFile, JSON.stringify(old));
    writeFileSync(path, `${value}\n`);
    log(`fleet: ${key} ${now} -> ${value} (restored at stop)`);
  }
  const restoreSync = (): void => {
    for (const [path, value] of Object.entries(old)) writeFileSync(path, `${value}\n`);
    rmSync(stateFile, { force: true });
  };
  return onCleanup({ label: 'restore sysctls', run: async () => restoreSync(), runSync: restoreSync });
}

/** Puts back what a fleet whose process died (SIGKILL) had raised, oldest first. */
function restoreStaleSysctls(log: (line: string) => void): void {
  let files: string[] = [];
  try {
    files = readdirSync(SYSCTL_STATE_DIR);
  } catch {
    return;
  }
  for (const file of files.sort()) {
    const owner = /^sysctl-(\d+)\.json$/.exec(file)?.[1];
    if (owner === undefined || Number(owner) === process.pid || isAlive(Number(owner))) continue;
    const path = join(SYSCTL_STATE_DIR, file);
    try {
      for (const [sysctl, value] of Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>)) {
        writeFileSync(sysctl, `${value}\n`);
        log(`fleet: ${sysctl} back to ${value}, as process ${owner} found it (it died without restoring it)`);
      }
    } catch {
      /* a half-written file: nothing sure to restore */
    }
    rmSync(path, { force: true });
  }
}

function killPids(list: string): void {
  for (const pid of list
    .split(/\s+/)
    .filter((p) => /^\d+$/.test(p))
    .map(Number)) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
