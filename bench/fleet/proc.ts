// Child processes of the fleet, and the guarantee that what the fleet set up is undone when this process
// ends: normally, on an uncaught error, on SIGINT/SIGTERM/SIGHUP. Undo steps are registered as they are
// created (a network namespace, a sysctl raised, a container) and run last-in first-out; each has a
// synchronous form for the 'exit' event, where nothing asynchronous can run any more.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Cleanup {
  readonly label: string;
  /** The orderly way, when there is time (stop(), a signal). */
  readonly run: () => Promise<void>;
  /** The last resort, in process.on('exit'): synchronous and quick. */
  readonly runSync: () => void;
}

interface Entry {
  readonly cleanup: Cleanup;
  running?: Promise<void>;
}

// An entry leaves this list only once its undo has finished: a process that exits while an undo is under
// way (an error thrown meanwhile, a second signal) still runs its synchronous form in 'exit'.
const entries: Entry[] = [];
let installed = false;
let signalled = false;

function runEntry(entry: Entry): Promise<void> {
  entry.running ??= (async () => {
    try {
      await entry.cleanup.run();
    } finally {
      const index = entries.indexOf(entry);
      if (index >= 0) entries.splice(index, 1);
    }
  })();
  return entry.running;
}

/** Registers an undo step; the returned function runs it now (once) and unregisters it when done. */
export function onCleanup(cleanup: Cleanup): () => Promise<void> {
  install();
  const entry: Entry = { cleanup };
  entries.push(entry);
  return () => runEntry(entry);
}

/** Runs every registered undo step, newest first, collecting failures instead of stopping at one. */
export async function cleanupAll(log: (line: string) => void = warn): Promise<void> {
  for (const entry of [...entries].reverse()) {
    try {
      await runEntry(entry);
    } catch (error) {
      log(`fleet: cleanup '${entry.cleanup.label}' failed: ${(error as Error).message}`);
      try {
        entry.cleanup.runSync();
      } catch {
        /* reported above */
      }
    }
  }
}

function cleanupAllSync(): void {
  for (const entry of [...entries].reverse()) {
    try {
      entry.cleanup.runSync();
    } catch (error) {
      warn(`fleet: cleanup '${entry.cleanup.label}' failed: ${(error as Error).message}`);
    }
  }
  entries.length = 0;
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (signalled) return; // a second Ctrl-C while cleaning up: let the first finish
      signalled = true;
      warn(`fleet: ${signal}: stopping containers and removing the test network`);
      // Bounded: a cleanup that hangs must not keep the process alive; 'exit' then does the rest.
      const deadline = setTimeout(() => process.exit(130), 60_000);
      deadline.unref();
      void cleanupAll().finally(() => {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      });
    });
  }
}

function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

const PDEATHSIG = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--'] : [];

/**
 * Spawns a child in its own process group that the kernel kills when this process dies (even by
 * SIGKILL, which runs no handler): `setpriv --pdeathsig KILL`.
 */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const argv = [...PDEATHSIG, command, ...args];
  return spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', ...options, detached: true });
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end; never throws on an exit code. */
export function run(command: string, args: readonly string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(command, args, { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    if (options.input !== undefined) child.stdin!.end(options.input);
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => killGroup(child, 'SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** Like run(), but a non-zero exit is an error carrying the end of the output. */
export async function runOk(command: string, args: readonly string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}${output ? `:\n${output}` : ''}`);
  }
  return result;
}

/** Synchronous run for the 'exit' handler; returns the exit code. */
export function runSync(command: string, args: readonly string[]): number | null {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status;
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

const started = Date.now();
export function stamp(): string {
  return `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
}
