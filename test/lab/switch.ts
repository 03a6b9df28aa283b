// One L2 segment = one user-space vde_switch. No host interface, bridge or address is
// created, so lab traffic can reach nothing but the lab's own VMs.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning, spawnTracked, terminate } from './proc.ts';

export interface Switch {
  segment: string;
  /** Pass as `-netdev vde,sock=...`. */
  socket: string;
  process: ChildProcess;
}

export async function startSwitch(segment: string, dir: string): Promise<Switch> {
  const socket = join(dir, `${segment}.vde`);
  // Not daemonized (-d): we keep its pid, and its console reads our stdin pipe, so it also
  // exits on EOF when this process goes away.
  const child = spawnTracked('vde_switch', ['--sock', socket], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  for (let waited = 0; !existsSync(join(socket, 'ctl')); waited += 50) {
    if (!isRunning(child) || waited > 10_000) {
      await terminate(child);
      throw new Error(`vde_switch for segment "${segment}" did not start: ${stderr.trim() || 'no output'}`);
    }
    await sleep(50);
  }
  return { segment, socket, process: child };
}

export async function stopSwitch(sw: Switch): Promise<void> {
  await terminate(sw.process, 2000);
}
