/**
 * The real CLI (bin/lvsplay.js) as a child process, for the tests that must signal it or watch its
 * output as it runs: wait for a marker in its output, then act, instead of sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = `${ROOT}bin/lvsplay.js`;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => this.append('stdout', chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => this.append('stderr', chunk));
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
    this.exited.then(() => this.notify());
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  /** Resolves once `pattern` shows in the stream; rejects if the process ends first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<void> {
    return this.until(() => pattern.test(this[stream]), `${stream} to match ${pattern}`);
  }

  /** Resolves once `check` holds, tried on each output and at each `poll` (for markers outside the process). */
  until(check: () => boolean, what: string, pollMs?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = pollMs === undefined ? undefined : setInterval(() => test(), pollMs);
      const test = (): void => {
        if (check()) finish(() => resolve());
        else if (!this.running) finish(() => reject(new Error(`the CLI exited before ${what}:\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)));
      };
      const finish = (settle: () => void): void => {
        clearInterval(timer);
        this.listeners.delete(test);
        settle();
      };
      this.listeners.add(test);
      test();
    });
  }

  /** Kills it if it still runs (a failed test), and waits for it to be gone. */
  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  private append(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this[stream] += chunk.toString();
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
