/**
 * One SSH handshake, to a target or to a bastion alike: credentials from auth.ts, the host key checked
 * against known_hosts (and an accepted new one recorded), over TCP or over a socket given (a tunnel
 * through the previous hop). node-ssh opens it, ssh2 underneath.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import type { SshTarget } from '../inventory/model.ts';
import { expandHome, identityOf, planAuth, type AuthMethod, type PassphraseAsker } from './auth.ts';
import { describeConnectFailure, type ConnectFailure, type FailureContext } from './errors.ts';
import { HostKeyGate } from './host-key.ts';
import { parseKnownHosts } from './known-hosts.ts';
import { addKnownHost, readKnownHosts } from './known-hosts-file.ts';
import { agentKeys, type Ssh2Client } from './ssh2.ts';

export interface HandshakeOptions {
  /** Default ~/.ssh/known_hosts; `~/` is expanded. */
  readonly knownHostsFile?: string;
  /** Trust and record a host key that known_hosts does not have yet (OpenSSH's accept-new). */
  readonly acceptNewHostKeys: boolean;
  /** From the TCP connect (or the tunnel's opening) to an authenticated session, per hop. */
  readonly connectTimeoutMs: number;
  /** A key's passphrase, asked once per key for the run (the answers are the asker's to keep). */
  readonly passphrase?: PassphraseAsker;
}

/** Makes the error of the connection being opened, naming whatever the caller names. */
export type Fail = (reason: ConnectFailure, detail: string) => Error;

/**
 * A dead peer is noticed within about a minute (between commands too): 15 s keepalives, 3 missed.
 * Without keepalives a host that vanished mid-command would leave that exec() waiting until its own
 * time-out, and one that vanished between commands would only be noticed at the next one.
 */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;

/** Clients whose connection has closed: closeClient() must not wait for a 'close' that has come already. */
const ended = new WeakSet<Ssh2Client>();

/**
 * Connects and authenticates to `target` (over `sock` when given: `target` is then only what the host
 * key and the messages are checked against); every failure comes out as `fail(...)`.
 */
export async function openClient(target: SshTarget, options: HandshakeOptions, fail: Fail, sock?: Duplex): Promise<Ssh2Client> {
  const knownHostsFile = expandHome(target.knownHostsFile ?? options.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts'));
  let gate: HostKeyGate;
  let client: Ssh2Client;
  try {
    const auth = await planAuth(identityOf(target), process.env, homedir(), options.passphrase);
    if (!auth.ok) throw fail(auth.reason, auth.detail);
    gate = new HostKeyGate(parseKnownHosts(await readOrFail(knownHostsFile, fail)), {
      host: target.host,
      port: target.port,
      file: knownHostsFile,
      acceptNew: target.acceptNewHostKeys ?? options.acceptNewHostKeys,
    });
    client = await handshake(target, options, gate, new AuthAttempt(auth.methods, auth.notes, target.user), fail, sock);
  } catch (error) {
    // A tunnel that never carried a session is ours to end: the bastion would keep its channel open.
    sock?.destroy();
    throw error;
  }
  if (gate.accepted) {
    try {
      await addKnownHost(knownHostsFile, gate.accepted);
    } catch (error) {
      await closeClient(client);
      throw fail('known-hosts', `accepted the new host key but cannot write ${knownHostsFile} (${errorCode(error)})`);
    }
  }
  return client;
}

/** Ends the connection; a server that never answers our disconnect does not hold the run open. */
export function closeClient(client: Ssh2Client): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ended.has(client)) return resolve();
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 2_000);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

async function handshake(target: SshTarget, options: HandshakeOptions, gate: HostKeyGate, attempt: AuthAttempt, fail: Fail, sock: Duplex | undefined): Promise<Ssh2Client> {
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      // node-ssh wants `host` or `sock`; ssh2 dials `host` only without a `sock`.
      ...(sock ? { sock } : { host: target.host, port: target.port }),
      username: target.user,
      readyTimeout: target.connectTimeoutMs ?? options.connectTimeoutMs,
      keepaliveInterval: target.keepalive?.intervalMs ?? KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: target.keepalive?.countMax ?? KEEPALIVE_COUNT_MAX,
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
      connectTimeoutMs: target.connectTimeoutMs ?? options.connectTimeoutMs,
      ...(await attempt.report()),
    });
    throw fail(reason, detail);
  }
  const client = ssh.connection as Ssh2Client | null;
  if (!client) throw fail('connection-lost', 'the server closed the connection right after authentication');
  client.once('close', () => ended.add(client));
  // node-ssh drops its 'error' listener once connected, and the owner adds its own only after the new
  // host key is recorded: an error in between (a reset) must not be an unhandled 'error' event.
  client.on('error', () => undefined);
  return client;
}

async function readOrFail(file: string, fail: Fail): Promise<string> {
  try {
    return await readKnownHosts(file);
  } catch (error) {
    throw fail('known-hosts', `cannot read known hosts file ${file} (${errorCode(error)})`);
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

async function agentLabel(socket: string): Promise<string> {
  const keys = await agentKeys(socket);
  if (keys === undefined) return `ssh-agent (${socket}, which did not list its keys)`;
  return keys.length === 0 ? `ssh-agent (${socket}, holding no key)` : `ssh-agent (${socket}: ${keys.join(', ')})`;
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
    return method.type === 'publickey'
      ? { type: 'publickey', username: this.user, key: method.key, ...(method.passphrase !== undefined && { passphrase: method.passphrase }) }
      : { type: 'agent', username: this.user, agent: method.socket };
  };

  /**
   * For the failure message: what was offered (all of it, if it failed before offering), and what the server
   * takes. ssh-agent is named with the keys it holds (by comment), since it offers each in turn.
   */
  async report(): Promise<Pick<FailureContext, 'authTried' | 'authNotes' | 'serverMethods'>> {
    const offered = this.tried.length > 0 ? this.methods.filter((method) => this.tried.includes(method.label)) : this.methods;
    const labels = await Promise.all(offered.map((method) => (method.type === 'agent' ? agentLabel(method.socket) : method.label)));
    return {
      authTried: labels,
      authNotes: this.notes,
      ...(this.serverMethods ? { serverMethods: this.serverMethods } : {}),
    };
  }
}
