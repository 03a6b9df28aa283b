// Commands in the VMs through the system's OpenSSH client, over the forwarded port, or through the VMs a
// bastion lab reaches them by (ssh -W, as ssh -J does).
import { setTimeout as sleep } from 'node:timers/promises';
import { shq } from './image.ts';
import { run, type RunResult } from './proc.ts';

/** How to reach a VM's sshd; the same shape an SSH library takes (privateKey is a path). */
export interface SshAccess {
  host: string;
  port: number;
  user: string;
  privateKey: string;
}

/** A VM's sshd, and the VM it is reached through (its sshd at `host:port` is dialled from there), if any. */
export interface SshRoute extends SshAccess {
  via?: SshRoute;
}

/**
 * What each hop adds to a route's ConnectTimeout: ssh counts the ProxyCommand's whole login to the hop as
 * waiting for the target's banner, and that login takes more than the 5 s a direct probe allows on a busy host
 * (seen: "Connection timed out during banner exchange" from every VM behind the bastion, for minutes).
 */
const HOP_ALLOWANCE_S = 20;

const hopsOf = (route: SshRoute): number => (route.via ? 1 + hopsOf(route.via) : 0);

/** `root@192.168.10.71:2222 via root@127.0.0.1:40123`, for messages. */
export function describeRoute(route: SshRoute): string {
  const self = `${route.user}@${route.host}:${route.port}`;
  return route.via ? `${self} via ${describeRoute(route.via)}` : self;
}

export interface SshOptions {
  /** Text for the command's stdin; without it stdin is /dev/null (like ssh -n). */
  input?: string;
  timeoutMs?: number;
}

function sshArgs(route: SshRoute, connectTimeoutS: number): string[] {
  return [...sshOptions(route, connectTimeoutS), route.host];
}

/** Every option for reaching `route`, its host name left out (ssh's last argument). */
function sshOptions(route: SshRoute, connectTimeoutS: number): string[] {
  return [
    ...(route.via ? ['-o', `ProxyCommand=${proxyCommand(route, connectTimeoutS)}`] : []),
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
    `ConnectTimeout=${connectTimeoutS + HOP_ALLOWANCE_S * hopsOf(route)}`,
    '-o',
    'ServerAliveInterval=10',
    '-F',
    '/dev/null',
    '-i',
    route.privateKey,
    '-p',
    String(route.port),
    '-l',
    route.user,
  ];
}

/**
 * What ssh -J runs, spelled out: an ssh to the hop joining stdin/stdout to the target's sshd (-W). Spelled
 * out because -J hands the hop none of our -o and -i options. The target is written literally (no %h), so
 * hops nest by quoting alone; `%` is doubled since ssh expands tokens in a ProxyCommand. Runs under $SHELL -c.
 */
function proxyCommand(route: SshRoute, connectTimeoutS: number): string {
  const hop = route.via!;
  return ['ssh', ...sshOptions(hop, connectTimeoutS), '-W', `${route.host}:${route.port}`, hop.host].map(shq).join(' ').replaceAll('%', '%%');
}

/** The ProxyCommand is POSIX shell quoted: make sure a POSIX shell runs it, whatever the user's login shell. */
const sshEnv = (route: SshRoute): NodeJS.ProcessEnv | undefined => (route.via ? { ...process.env, SHELL: '/bin/sh' } : undefined);

export function sshExec(route: SshRoute, command: string, options: SshOptions = {}): Promise<RunResult> {
  return run('ssh', [...(options.input === undefined ? ['-n'] : []), ...sshArgs(route, 10), '--', command], {
    input: options.input,
    env: sshEnv(route),
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
export async function waitForSsh(route: SshRoute, options: WaitOptions): Promise<void> {
  const command = options.notOutput?.command ?? 'true';
  let last = '';
  for (;;) {
    const reason = options.abortReason?.();
    if (reason) throw new Error(reason);
    const result = await run('ssh', ['-n', ...sshArgs(route, 5), '--', command], { env: sshEnv(route), timeoutMs: 20_000 + HOP_ALLOWANCE_S * 1000 * hopsOf(route) });
    if (result.code === 0 && (!options.notOutput || result.stdout.trim() !== options.notOutput.output)) return;
    last = result.code === 0 ? 'still the same boot' : result.stderr.trim() || `ssh exit ${result.code}`;
    if (Date.now() > options.deadline) throw new Error(`ssh to ${describeRoute(route)} did not answer in time (last: ${last})`);
    await sleep(1000);
  }
}
