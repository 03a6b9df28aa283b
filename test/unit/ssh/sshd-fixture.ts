/**
 * A throwaway OpenSSH server on 127.0.0.1 for the connection tests: its own host keys, client keys
 * and authorized_keys in a temporary folder, started with `sshd -D -e` and stopped (with every
 * per-connection child it forked) by stop().
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  readonly dir: string;
  readonly port: number;
  readonly user: string;
  /** Private key whose public half is in authorized_keys. */
  readonly clientKey: string;
  /** A valid private key that the server does not accept. */
  readonly wrongKey: string;
  /** `ssh-ed25519 AAAA...` and `ecdsa-sha2-nistp256 AAAA...` of the server (type and base64, no comment). */
  readonly hostKeys: { readonly ed25519: string; readonly ecdsa: string };
  /** The server's log so far (sshd -e writes it to stderr). */
  log(): string;
  /** How many clients have authenticated so far (sshd logs each "Accepted publickey"). */
  authenticated(): number;
  /** The pids of sshd's per-connection processes now: one per client connected (or connecting). */
  connections(): number[];
  stop(): Promise<void>;
}

/** sshd, installed with apt-get when it is missing; throws (never skips) when that fails. */
export function ensureSshd(): void {
  if (existsSync(SSHD)) return;
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe', timeout: 120_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', 'openssh-server'], {
      stdio: 'pipe',
      timeout: 300_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    throw new Error(`the SSH tests need ${SSHD}, and installing openssh-server with apt-get failed: ${(error as Error).message}`);
  }
  if (!existsSync(SSHD)) throw new Error(`the SSH tests need ${SSHD}: apt-get installed openssh-server but it is still missing`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface SshdOptions {
  /** sshd_config lines added after the fixture's own (a ForceCommand, say); sshd keeps a keyword's first value. */
  readonly config?: readonly string[];
  /** sshd's AllowTcpForwarding; default yes, as sshd's: a bastion must forward. */
  readonly allowTcpForwarding?: boolean;
  /** sshd's MaxStartups (unauthenticated connections at once); default 50. */
  readonly maxStartups?: number;
  /** sshd's LogLevel; default INFO, which logs each accepted client. */
  readonly logLevel?: 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';
  /**
   * Local users allowed to log in besides the one running the tests, with their own ~/.ssh/authorized_keys
   * (sshd reads it as that user, who cannot read the fixture's folder).
   */
  readonly users?: readonly string[];
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  ensureSshd();
  // freePort() closes its probe before sshd binds: another process may take the port in between.
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'lvsplay-sshd-'));
    try {
      return await launch(dir, options);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      if (attempt === 3 || !/Bind to port|Address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function launch(dir: string, options: SshdOptions): Promise<TestSshd> {
  const keygen = (type: string, file: string): void => {
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'lvsplay-test', '-f', join(dir, file)], { stdio: 'pipe' });
  };
  keygen('ed25519', 'host_ed25519');
  keygen('ecdsa', 'host_ecdsa');
  keygen('ed25519', 'client');
  keygen('ed25519', 'wrong');
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client.pub')));
  const publicKey = async (file: string): Promise<string> => (await readFile(join(dir, file), 'utf8')).split(' ').slice(0, 2).join(' ');

  const port = await freePort();
  const user = userInfo().username;
  await writeFile(
    join(dir, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `HostKey ${join(dir, 'host_ecdsa')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}${(options.users ?? []).length > 0 ? ' .ssh/authorized_keys' : ''}`,
      // The temporary folder is not owned the way sshd's checks want for a home directory.
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `AllowUsers ${[user, ...(options.users ?? [])].join(' ')}`,
      `MaxStartups ${options.maxStartups ?? 50}`,
      `AllowTcpForwarding ${options.allowTcpForwarding === false ? 'no' : 'yes'}`,
      `LogLevel ${options.logLevel ?? 'INFO'}`,
      ...(options.config ?? []),
      '',
    ].join('\n'),
  );
  // Run as root, sshd wants its privilege separation folder (Debian's package creates it at boot).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });

  const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitListening(child, () => log, port);

  const stop = async (): Promise<void> => {
    await stopTree(child);
    await rm(dir, { recursive: true, force: true });
  };
  return {
    dir,
    port,
    user,
    clientKey: join(dir, 'client'),
    wrongKey: join(dir, 'wrong'),
    hostKeys: { ed25519: await publicKey('host_ed25519.pub'), ecdsa: await publicKey('host_ecdsa.pub') },
    log: () => log,
    authenticated: () => log.split('\n').filter((line) => line.includes('Accepted publickey for ')).length,
    connections: () => (child.pid === undefined ? [] : listChildren(child.pid)),
    stop,
  };
}

function waitListening(child: ChildProcess, log: () => string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`sshd did not start listening on port ${port} within 10 s:\n${log()}`)), 10_000);
    const poll = setInterval(() => {
      if (log().includes(`Server listening on 127.0.0.1 port ${port}`)) done();
    }, 20);
    const onExit = (code: number | null): void => fail(new Error(`sshd exited (${code}) before listening:\n${log()}`));
    child.once('exit', onExit);
    function done(): void {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
      resolve();
    }
    function fail(error: Error): void {
      done();
      child.kill('SIGKILL');
      reject(error);
    }
  });
}

/** Stops sshd and the per-connection processes it forked, which outlive their parent otherwise. */
async function stopTree(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const descendants = listDescendants(child.pid);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  for (const pid of descendants) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  await exited;
}

function listDescendants(pid: number): number[] {
  return listChildren(pid).flatMap((child) => [child, ...listDescendants(child)]);
}

function listChildren(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none.
  }
}

export interface TestAgent {
  readonly socket: string;
  stop(): Promise<void>;
}

let agents = 0;

/** An ssh-agent of our own (foreground, so that its pid is the one we stop) holding `keys`. */
export async function startAgent(dir: string, keys: readonly string[]): Promise<TestAgent> {
  // A name no other agent in this folder has: a counter, not the clock.
  const socket = join(dir, `agent-${process.pid}-${++agents}.sock`);
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    for (let waited = 0; !existsSync(socket); waited += 20) {
      if (waited > 5_000 || child.exitCode !== null) throw new Error('ssh-agent did not create its socket');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const key of keys) execFileSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
  } catch (error) {
    await stop();
    throw error;
  }
  return { socket, stop };
}

/** Puts these environment variables back after each test of the enclosing suite (a test sets HOME or SSH_AUTH_SOCK). */
export function restoreEnvAfterEach(names: readonly string[]): void {
  const saved = names.map((name) => [name, process.env[name]] as const);
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}
