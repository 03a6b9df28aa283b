/**
 * One SSH connection per host, kept for the whole run: node-ssh opens it (ssh2 underneath), with the
 * host key checked against known_hosts and the credentials chosen in auth.ts.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NodeSSH } from 'node-ssh';
import type { SshTarget } from '../inventory/model.ts';
import { expandHome, planAuth, type AuthMethod } from './auth.ts';
import { ConnectError, describeConnectFailure, type ConnectFailure, type FailureContext } from './errors.ts';
import { runCommand, type ExecResult } from './exec.ts';
import { HostKeyGate } from './host-key.ts';
import { parseKnownHosts } from './known-hosts.ts';
import { addKnownHost, readKnownHosts } from './known-hosts-file.ts';
import type { Ssh2Client } from './ssh2.ts';

export { ConnectError, type ConnectFailure, type ExecResult };

export interface ConnectOptions {
  /** Default ~/.ssh/known_hosts; `~/` is expanded. */
  readonly knownHostsFile?: string;
  /** Trust and record a host key that known_hosts does not have yet (OpenSSH's accept-new). */
  readonly acceptNewHostKeys: boolean;
  /** From the TCP connect to an authenticated session. */
  readonly connectTimeoutMs: number;
  /** Per exec() call. */
  readonly commandTimeoutMs: number;
}

export interface HostConnection {
  readonly host: string;
  readonly address: string;
  /**
   * Runs `script` as the remote command (sshd hands it to the login shell's `-c`; the caller quotes
   * what it interpolates). `stdin`, when given, is sent and followed by EOF. Resolves with any exit
   * code, non-zero included; rejects with ConnectError on a time-out or a lost connection.
   */
  exec(script: string, stdin?: string): Promise<ExecResult>;
  close(): Promise<void>;
}

/**
 * A dead peer is noticed within about a minute (between commands too): 15 s keepalives, 3 missed.
 * Without keepalives a host that vanished mid-command would leave that exec() waiting until its own
 * time-out, and one that vanished between commands would only be noticed at the next one.
 */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;

/** Connects and authenticates; `name` (the inventory's host name) is what errors call the host. */
export async function connect(target: SshTarget, options: ConnectOptions, name: string = target.host): Promise<HostConnection> {
  const address = formatAddress(target.host, target.port);
  const fail = (reason: ConnectFailure, detail: string): ConnectError => new ConnectError(name, address, reason, detail);
  const knownHostsFile = expandHome(options.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts'));

  const auth = await planAuth(target.privateKey);
  if (!auth.ok) throw fail(auth.reason, auth.detail);
  const gate = new HostKeyGate(parseKnownHosts(await readOrFail(knownHostsFile, fail)), {
    host: target.host,
    port: target.port,
    file: knownHostsFile,
    acceptNew: options.acceptNewHostKeys,
  });
  const client = await handshake(target, options, gate, new AuthAttempt(auth.methods, auth.notes, target.user), fail);
  const connection = new SshConnection(client, name, address, options.commandTimeoutMs, fail);
  if (gate.accepted) {
    try {
      await addKnownHost(knownHostsFile, gate.accepted);
    } catch (error) {
      await connection.close();
      throw fail('known-hosts', `accepted the new host key but cannot write ${knownHostsFile} (${errorCode(error)})`);
    }
  }
  return connection;
}

/** node-ssh's connect with our verifier and credentials; any failure comes out as a ConnectError. */
async function handshake(target: SshTarget, options: ConnectOptions, gate: HostKeyGate, attempt: AuthAttempt, fail: (reason: ConnectFailure, detail: string) => ConnectError): Promise<Ssh2Client> {
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: options.connectTimeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      // Without `hostHash`, ssh2 passes the raw key blob, which is what known_hosts compares.
      hostVerifier: (key: Buffer) => gate.verify(key),
      algorithms: gate.algorithms ? { serverHostKey: gate.algorithms } : undefined,
      authHandler: attempt.handler,
    });
  } catch (error) {
    ssh.dispose();
    // ssh2 only says "Host denied (verification failed)"; the gate knows why.
    if (gate.failure) throw fail(gate.failure.reason, gate.failure.detail);
    const { reason, detail } = describeConnectFailure(error, {
      port: target.port,
      user: target.user,
      connectTimeoutMs: options.connectTimeoutMs,
      ...attempt.report(),
    });
    throw fail(reason, detail);
  }
  const client = ssh.connection as Ssh2Client | null;
  if (!client) throw fail('connection-lost', 'the server closed the connection right after authentication');
  return client;
}

/** `host:port`, with IPv6 literals bracketed. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function readOrFail(file: string, fail: (reason: ConnectFailure, detail: string) => ConnectError): Promise<string> {
  try {
    return await readKnownHosts(file);
  } catch (error) {
    throw fail('known-hosts', `cannot read known hosts file ${file} (${errorCode(error)})`);
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/**
 * ssh2's authHandler, offering our methods in order and remembering what was tried and what the
 * server said it accepts, so that an authentication failure can say both.
 */
class AuthAttempt {
  private readonly tried: string[] = [];
  private serverMethods: string[] | undefined;
  private next = 0;

  constructor(
    private readonly methods: readonly AuthMethod[],
    private readonly notes: readonly string[],
    private readonly user: string,
  ) {}

  readonly handler = (methodsLeft: string[] | null): object | false => {
    if (methodsLeft) this.serverMethods = methodsLeft;
    // Both our methods are public-key ones: once the server says it takes none, stop offering.
    if (methodsLeft && !methodsLeft.includes('publickey')) return false;
    const method = this.methods[this.next++];
    if (!method) return false;
    this.tried.push(method.label);
    return method.type === 'publickey' ? { type: 'publickey', username: this.user, key: method.key } : { type: 'agent', username: this.user, agent: method.socket };
  };

  /** For the failure message: what was offered (all of it, if it failed before offering), and what the server takes. */
  report(): Pick<FailureContext, 'authTried' | 'authNotes' | 'serverMethods'> {
    return {
      authTried: this.tried.length > 0 ? this.tried : this.methods.map((method) => method.label),
      authNotes: this.notes,
      ...(this.serverMethods ? { serverMethods: this.serverMethods } : {}),
    };
  }
}

class SshConnection implements HostConnection {
  /** Set once the connection is gone without close() having been asked for. */
  private lostReason: string | undefined;
  private closing: Promise<void> | undefined;
  private ended = false;

  constructor(
    private readonly client: Ssh2Client,
    readonly host: string,
    readonly address: string,
    private readonly commandTimeoutMs: number,
    private readonly fail: (reason: ConnectFailure, detail: string) => ConnectError,
  ) {
    // node-ssh drops its 'error' listener once connected; an error between commands (a reset, a
    // keepalive time-out) would otherwise be an unhandled 'error' event and crash the process.
    client.on('error', (error: Error) => {
      this.lostReason ??= error.message === 'Keepalive timeout' ? 'the host stopped answering keepalives' : error.message;
    });
    client.on('close', () => {
      this.ended = true;
      if (!this.closing) this.lostReason ??= 'the server closed the connection';
    });
  }

  exec(script: string, stdin?: string): Promise<ExecResult> {
    if (this.closing) return Promise.reject(this.fail('connection-lost', 'exec() after close()'));
    if (this.lostReason) return Promise.reject(this.fail('connection-lost', `connection lost: ${this.lostReason}`));
    return runCommand(this.client, script, {
      ...(stdin === undefined ? {} : { stdin }),
      timeoutMs: this.commandTimeoutMs,
      fail: this.fail,
      lost: () => this.lostReason,
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.ended) return resolve();
      // A server that never answers our disconnect must not hold the run open.
      const timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, 2_000);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
    return this.closing;
  }
}
