/**
 * The bastions of a run (OpenSSH's ProxyJump): one authenticated connection per chain of bastions,
 * shared by every host behind it, each next hop reached through the previous one's direct-tcpip
 * channel. Host keys are checked for every bastion as for targets (HostKeyGate, via openClient).
 */
import type { Duplex } from 'node:stream';
import type { SshTarget } from '../inventory/model.ts';
import type { ConnectError, ConnectFailure } from './errors.ts';
import { closeClient, openClient, type HandshakeOptions } from './handshake.ts';
import { formatAddress, jumpLabel, type JumpHost } from './route.ts';
import type { Ssh2Client } from './ssh2.ts';

/** A bastion's failure, met once and shared by every host behind it; each host's connect() names itself. */
export class BastionFailure extends Error {
  override readonly name = 'BastionFailure';

  constructor(
    /** `deploy@192.168.10.90:22` */
    readonly bastion: string,
    readonly reason: ConnectFailure,
    readonly detail: string,
  ) {
    super(`through bastion ${bastion}: ${detail}`);
  }
}

/** How the host being connected to turns a bastion's failure into its own error. */
export type BastionFail = (reason: ConnectFailure, detail: string, bastion: string) => ConnectError;

interface Bastion {
  readonly client: Ssh2Client;
  readonly label: string;
}

/** One chain prefix: how deep it is (close() ends the deepest first) and its connection, open or opening. */
interface Entry {
  readonly depth: number;
  readonly opening: Promise<Bastion>;
}

export class BastionPool {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  /** The run's options; what the ssh config sets for a bastion (its JumpHost fields) wins over them. */
  constructor(private readonly options: HandshakeOptions) {}

  /** A socket to `target` opened by the last of `jumps` (which is not empty), for the target's handshake. */
  async tunnel(jumps: readonly JumpHost[], target: SshTarget, fail: BastionFail): Promise<Duplex> {
    try {
      return await this.forward(await this.bastion(jumps), target);
    } catch (error) {
      if (error instanceof BastionFailure) throw fail(error.reason, error.detail, error.bastion);
      throw error;
    }
  }

  /** Ends every bastion connection, the deepest first (a nearer one carries the deeper ones' traffic). */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    // One still opening is waited for: open() sees `closed` and ends it itself.
    const opened = await Promise.all(entries.map(async ({ depth, opening }) => ({ depth, bastion: await opening.catch(() => undefined) })));
    const depths = [...new Set(entries.map(({ depth }) => depth))].sort((a, b) => b - a);
    for (const depth of depths) {
      await Promise.all(opened.flatMap((entry) => (entry.depth === depth && entry.bastion ? [closeClient(entry.bastion.client)] : [])));
    }
  }

  /** The connection to the last bastion of `chain`; requests for the same chain share one (also while it opens). */
  private bastion(chain: readonly JumpHost[]): Promise<Bastion> {
    if (this.closed) return Promise.reject(new BastionFailure(jumpLabel(chain.at(-1)!), 'connection-lost', 'the bastion connections are closed'));
    const key = chainKey(chain);
    const known = this.entries.get(key);
    if (known) return known.opening;
    // A failed or lost connection is forgotten, so that a later request dials again.
    const forget = (): void => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    const entry: Entry = { depth: chain.length, opening: this.open(chain, forget) };
    this.entries.set(key, entry);
    entry.opening.catch(forget);
    return entry.opening;
  }

  private async open(chain: readonly JumpHost[], forget: () => void): Promise<Bastion> {
    const hop = chain.at(-1)!;
    const label = jumpLabel(hop);
    const sock = chain.length > 1 ? await this.forward(await this.bastion(chain.slice(0, -1)), hop) : undefined;
    const fail = (reason: ConnectFailure, detail: string): BastionFailure => new BastionFailure(label, reason, detail);
    const client = await openClient(hop, this.options, fail, sock);
    // A reset or missed keepalives: the hosts behind it lose their tunnels, and the next request dials again.
    client.on('error', forget);
    client.once('close', forget);
    if (this.closed) {
      await closeClient(client);
      throw fail('connection-lost', 'the bastion connections were closed while this one opened');
    }
    return { client, label };
  }

  /** A direct-tcpip channel from `bastion` to `to`, within the connect time-out. */
  private forward(bastion: Bastion, to: SshTarget): Promise<Duplex> {
    const timeoutMs = to.connectTimeoutMs ?? this.options.connectTimeoutMs;
    const address = formatAddress(to.host, to.port);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new BastionFailure(bastion.label, 'timeout', `no connection to ${address} within ${timeoutMs} ms: the host is down or a firewall drops the packets`));
      }, timeoutMs);
      const done = (error: BastionFailure | undefined, stream?: Duplex): void => {
        // A channel that opens after the time-out is nobody's: close it.
        if (settled) return void stream?.destroy();
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(stream!);
      };
      try {
        // The originator address and port are only logged by sshd.
        bastion.client.forwardOut('127.0.0.1', 0, to.host, to.port, (error, stream) => {
          done(error ? new BastionFailure(bastion.label, ...forwardFailure(error, address)) : undefined, stream);
        });
      } catch (error) {
        // ssh2 throws "Not connected" synchronously when the bastion's socket is already gone.
        done(new BastionFailure(bastion.label, 'connection-lost', `connection lost: ${(error as Error).message}`));
      }
    });
  }
}

/** SSH channel-open failure codes (RFC 4254 5.1) as sshd uses them for direct-tcpip. */
const ADMINISTRATIVELY_PROHIBITED = 1;
const CONNECT_FAILED = 2;

function forwardFailure(error: Error & { reason?: number | string }, address: string): [ConnectFailure, string] {
  const said = error.message.replace(/^\(SSH\) Channel open failure: /, '');
  if (error.reason === ADMINISTRATIVELY_PROHIBITED) {
    return ['forwarding-refused', `the bastion refuses to forward a connection to ${address} (${said}): its sshd has AllowTcpForwarding no, or PermitOpen leaves ${address} out`];
  }
  if (error.reason === CONNECT_FAILED) {
    return [/refused/i.test(said) ? 'refused' : 'unreachable', `the bastion cannot connect to ${address} (${said})`];
  }
  return ['protocol', `the bastion refused a channel to ${address}: ${said}`];
}

/** Two chains are one when every hop is dialled, authenticated and checked the same way. */
function chainKey(chain: readonly JumpHost[]): string {
  // Every field: two hops that differ in any setting are two connections.
  return JSON.stringify(chain);
}
