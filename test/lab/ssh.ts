// Commands in the VMs through the system's OpenSSH client, over the forwarded port.
import { setTimeout as sleep } from 'node:timers/promises';
import { run, type RunResult } from './proc.ts';

/** How to reach a VM's sshd; the same shape an SSH library takes (privateKey is a path). */
export interface SshAccess {
  host: string;
  port: number;
  user: string;
  privateKey: string;
}

export interface SshOptions {
  /** Text for the command's stdin; without it stdin is /dev/null (like ssh -n). */
  input?: string;
  timeoutMs?: number;
}

function sshArgs(access: SshAccess, connectTimeoutS: number): string[] {
  return [
    // The VMs' host keys are throwaway and shared by the image: don't record or check them.
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `ConnectTimeout=${connectTimeoutS}`,
    '-o',
    'ServerAliveInterval=10',
    '-F',
    '/dev/null',
    '-i',
    access.privateKey,
    '-p',
    String(access.port),
    '-l',
    access.user,
    access.host,
  ];
}

export function sshExec(access: SshAccess, command: string, options: SshOptions = {}): Promise<RunResult> {
  return run('ssh', [...(options.input === undefined ? ['-n'] : []), ...sshArgs(access, 10), '--', command], {
    input: options.input,
    timeoutMs: options.timeoutMs ?? 120_000,
  });
}

export interface WaitOptions {
  deadline: number;
  /** Polled between attempts; a reason string aborts the wait (e.g. "qemu exited"). */
  abortReason?: () => string | undefined;
  /** When given, a VM only counts as up once this command's output differs from it. */
  notOutput?: { command: string; output: string };
}

/** Poll until sshd answers (and, optionally, answers differently than before). */
export async function waitForSsh(access: SshAccess, options: WaitOptions): Promise<void> {
  const command = options.notOutput?.command ?? 'true';
  let last = '';
  for (;;) {
    const reason = options.abortReason?.();
    if (reason) throw new Error(reason);
    const result = await run('ssh', ['-n', ...sshArgs(access, 5), '--', command], { timeoutMs: 20_000 });
    if (result.code === 0 && (!options.notOutput || result.stdout.trim() !== options.notOutput.output)) return;
    last = result.code === 0 ? 'still the same boot' : result.stderr.trim() || `ssh exit ${result.code}`;
    if (Date.now() > options.deadline) throw new Error(`ssh to port ${access.port} did not answer in time (last: ${last})`);
    await sleep(1000);
  }
}
