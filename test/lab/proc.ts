// Child processes and temp dirs of the lab, and the guarantee that none outlives this process.
//
// Every long-lived child (qemu, vde_switch, mmdebstrap) is spawned through here so that a
// failed start, a Ctrl-C or a plain process exit still kills it and removes its temp dir.
// Children are also started under `setpriv --pdeathsig KILL`, so that even a SIGKILL of
// this Node process (which runs no handler) takes the VMs down with it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let handlersInstalled = false;

/** Kill everything we started and remove our temp dirs; synchronous, so it can run in 'exit'. */
export function cleanupAllSync(): void {
  for (const child of children) signalGroup(child, 'SIGKILL');
  children.clear();
  for (const dir of dirs) removeTreeSync(dir);
  dirs.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Adding a listener cancels Node's default "die on signal"; re-raise after cleaning up
    // so the process still ends the way the sender meant (or other listeners, e.g.
    // mocha's, get their turn).
    process.once(signal, () => {
      cleanupAllSync();
      process.kill(process.pid, signal);
    });
  }
}

const PDEATHSIG = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--'] : [];

/** Spawn a child that is killed on lab cleanup and when this process dies. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  installHandlers();
  const argv = [...PDEATHSIG, command, ...args];
  // Own process group (detached): a terminal's Ctrl-C reaches us, not the VMs directly, so
  // shutdown happens in order; and cleanup can kill a child with all its descendants
  // (mmdebstrap runs apt and dpkg below it).
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', ...options, detached: true });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  return child;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* group already gone */
  }
}

/** True until the child has exited (or failed to start). */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && children.has(child);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function terminate(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (!isRunning(child)) {
    children.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

/** Whether a process exists (EPERM: it does, it just isn't ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function trackDir(dir: string): void {
  installHandlers();
  dirs.add(dir);
}

/** The dir was moved or handed over: no longer ours to delete. */
export function untrackDir(dir: string): void {
  dirs.delete(dir);
}

export async function removeDir(dir: string): Promise<void> {
  dirs.delete(dir);
  if (mountsUnder(dir).length > 0) {
    removeTreeSync(dir);
    return;
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * rm -rf that refuses to delete through a mount: a build dir may hold a chroot, and a
 * chroot with /proc or /dev still mounted must never be deleted through.
 */
function removeTreeSync(dir: string): void {
  const mounts = mountsUnder(dir);
  if (mounts.length > 0) {
    process.stderr.write(`lab: not removing ${dir}: still mounted inside it: ${mounts.join(' ')}\n`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}

function mountsUnder(dir: string): string[] {
  let table: string;
  try {
    table = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return table
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(prefix));
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called with every complete line of stdout and stderr, e.g. to print progress. */
  onLine?: (line: string) => void;
}

/** Run a command to completion (tracked like any other child); never throws on exit codes. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const lines = lineSplitter(options.onLine);
    child.stdout!.on('data', (chunk: Buffer) => {
      out.push(chunk);
      lines.out(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err.push(chunk);
      lines.err(chunk);
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => signalGroup(child, 'SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      lines.flush();
      resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code });
    });
  });
}

/** Like run(), but a non-zero exit is an error that carries the end of the output. */
export async function runOk(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const output = tail(`${result.stdout}\n${result.stderr}`, 30);
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${output}`);
  }
  return result;
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function lineSplitter(onLine: ((line: string) => void) | undefined) {
  const pending = { out: '', err: '' };
  const feed = (key: 'out' | 'err', chunk: Buffer) => {
    if (!onLine) return;
    // mmdebstrap and apt redraw progress with \r; treat it as a line end.
    const parts = (pending[key] + chunk.toString()).split(/\r?\n|\r/);
    pending[key] = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) onLine(line);
  };
  return {
    out: (chunk: Buffer) => feed('out', chunk),
    err: (chunk: Buffer) => feed('err', chunk),
    flush: () => {
      for (const key of ['out', 'err'] as const) if (onLine && pending[key].trim()) onLine(pending[key]);
    },
  };
}

const started = Date.now();
/** Progress line on stderr, with seconds since the lab code was loaded. */
export function log(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[lab ${seconds}s] ${message}\n`);
}
