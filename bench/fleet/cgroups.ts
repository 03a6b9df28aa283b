// A cgroup of its own for each container. This machine's init is not systemd, so `systemd-nspawn
// --keep-unit` leaves a container in the cgroup nspawn was started in, the root: every container's systemd
// then builds /payload/system.slice/... in one shared tree, and they tear down each other's units (random
// units fail with status=219/CGROUP, "Failed to kill control group ...: Input/output error"; an address
// unit failing that way looks like a race with host0). Each nspawn is therefore moved, before it starts,
// into <hierarchy>/lvsbench-<pid>/<name> of every hierarchy systemd uses (cgroup2, and name=systemd on a
// hybrid host). The subtree also gives a sure way to end everything the fleet started: cgroup.kill.
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, onCleanup } from './proc.ts';

export const CGROUP_PREFIX = 'lvsbench-';

/** Mount points of the cgroup2 hierarchy and of the v1 name=systemd one, from /proc/self/mountinfo. */
export function systemdHierarchies(mountinfo: string): { unified?: string; named?: string } {
  const found: { unified?: string; named?: string } = {};
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountPoint = left.split(' ')[4];
    const [fstype, , superOptions = ''] = right.split(' ');
    if (!mountPoint) continue;
    if (fstype === 'cgroup2') found.unified ??= mountPoint;
    else if (fstype === 'cgroup' && superOptions.split(',').includes('name=systemd')) found.named ??= mountPoint;
  }
  return found;
}

export interface FleetCgroups {
  /** The cgroup folders (one per hierarchy) container `name` goes into; created by prepare(). */
  dirs(name: string): string[];
  prepare(name: string): Promise<string[]>;
  /** Kills every process left in the fleet's cgroups and removes them. */
  remove(): Promise<void>;
}

export async function createFleetCgroups(log: (line: string) => void): Promise<FleetCgroups> {
  const { unified, named } = systemdHierarchies(readFileSync('/proc/self/mountinfo', 'utf8'));
  if (!unified && !named) throw new Error('no cgroup2 nor name=systemd cgroup hierarchy is mounted: systemd-nspawn cannot run containers here');
  sweepStale(unified, named, log);
  const roots = [unified, named].filter((h): h is string => h !== undefined).map((h) => join(h, `${CGROUP_PREFIX}${process.pid}`));
  const removeSync = (): void => removeTree(roots, unified ? join(unified, `${CGROUP_PREFIX}${process.pid}`) : undefined);
  const remove = onCleanup({ label: 'remove the fleet cgroups', run: async () => removeSync(), runSync: removeSync });
  const dirs = (name: string) => roots.map((root) => join(root, name));
  return {
    dirs,
    prepare: async (name) => {
      for (const dir of dirs(name)) await mkdir(dir, { recursive: true });
      return dirs(name);
    },
    remove,
  };
}

/** cgroup.kill on the cgroup2 subtree (every process in it, at once), then rmdir bottom-up everywhere. */
function removeTree(roots: readonly string[], unifiedRoot: string | undefined): void {
  if (unifiedRoot && existsSync(join(unifiedRoot, 'cgroup.kill'))) {
    try {
      writeFileSync(join(unifiedRoot, 'cgroup.kill'), '1');
    } catch {
      /* already empty or gone */
    }
  }
  for (const root of roots) {
    for (const pid of procsUnder(root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  for (const root of roots) {
    // A cgroup disappears only once its processes have been reaped: a moment after the kill.
    for (let attempt = 0; attempt < 50 && existsSync(root); attempt++) {
      for (const dir of dirsBottomUp(root)) {
        try {
          rmdirSync(dir);
        } catch {
          /* busy yet */
        }
      }
      if (existsSync(root)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

function dirsBottomUp(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: import('node:fs').Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
    out.push(dir);
  };
  walk(root);
  return out;
}

function procsUnder(root: string): number[] {
  return dirsBottomUp(root).flatMap((dir) => {
    try {
      return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/** Fleet cgroups of processes that died without cleaning up. */
function sweepStale(unified: string | undefined, named: string | undefined, log: (line: string) => void): void {
  const hierarchies = [unified, named].filter((h): h is string => h !== undefined);
  const stale = new Set<number>();
  for (const h of hierarchies) {
    for (const entry of readdirSync(h)) {
      const owner = new RegExp(`^${CGROUP_PREFIX}(\\d+)$`).exec(entry)?.[1];
      if (owner !== undefined && Number(owner) !== process.pid && !isAlive(Number(owner))) stale.add(Number(owner));
    }
  }
  for (const owner of stale) {
    log(`fleet: removing cgroups ${CGROUP_PREFIX}${owner} left by process ${owner}, which is gone (and any process still in them)`);
    removeTree(
      hierarchies.map((h) => join(h, `${CGROUP_PREFIX}${owner}`)),
      unified ? join(unified, `${CGROUP_PREFIX}${owner}`) : undefined,
    );
  }
}
