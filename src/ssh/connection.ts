/**
 * One SSH connection per host, kept for the whole run: directly, or through bastions (a BastionPool
 * shares one connection per bastion among every host behind it). The handshake itself, with the host
 * key checked against known_hosts and the credentials chosen in auth.ts, is handshake.ts's.
 */
import type { SshTarget } from '../inventory/model.ts';
import { BastionPool } from './bastions.ts';
import { ConnectError, type ConnectFailure } from './errors.ts';
import { runCommand, type ExecResult } from './exec.ts';
import { closeClient, openClient, type HandshakeOptions } from './handshake.ts';
import { directRoute, formatAddress, isRoute, jumpLabel, type SshRoute } from './route.ts';
import type { Ssh2Client } from './ssh2.ts';

export { ConnectError, type ConnectFailure, type ExecResult };

export interface ConnectOptions extends HandshakeOptions {
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
 * Connects and authenticates; `name` (the inventory's host name) is what errors call the host. A
 * route with bastions goes through `bastions` (the run's pool, which the caller closes after its
 * connections); without one, through a pool of this connection's own, closed with it.
 */
export async function connect(to: SshTarget | SshRoute, options: ConnectOptions, name?: string, bastions?: BastionPool): Promise<HostConnection> {
  const { target, jumps } = isRoute(to) ? to : directRoute(to);
  const host = name ?? target.host;
  const address = formatAddress(target.host, target.port);
  const fail = (reason: ConnectFailure, detail: string, bastion?: string): ConnectError => new ConnectError(host, address, reason, detail, bastion);
  if (jumps.length === 0) return new SshConnection(await openClient(target, options, fail), host, address, options.commandTimeoutMs, fail);
  const pool = bastions ?? new BastionPool(options);
  const ownPool = bastions === undefined ? pool : undefined;
  try {
    const sock = await pool.tunnel(jumps, target, fail);
    const client = await openClient(target, options, fail, sock);
    return new SshConnection(client, host, address, options.commandTimeoutMs, fail, { via: jumpLabel(jumps.at(-1)!), ownBastions: ownPool });
  } catch (error) {
    await ownPool?.close();
    throw error;
  }
}

class SshConnection implements HostConnection {
  /** Set once the connection is gone without close() having been asked for. */
  private lostReason: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: Ssh2Client,
    readonly host: string,
    readonly address: string,
    private readonly commandTimeoutMs: number,
    private readonly fail: (reason: ConnectFailure, detail: string) => ConnectError,
    private readonly jumped?: {
      /** The bastion that opened this connection's tunnel, for the message when the connection is gone. */
      readonly via: string;
      /** The bastions this connection opened for itself, ended after it. */
      readonly ownBastions: BastionPool | undefined;
    },
  ) {
    // An error between commands (a reset, a keepalive time-out) is the reason the next exec() gives.
    client.on('error', (error: Error) => {
      this.lostReason ??= error.message === 'Keepalive timeout' ? 'the host stopped answering keepalives' : error.message;
    });
    client.on('close', () => {
      // Through a bastion, the tunnel closes alike whether the host or the bastion went away.
      if (!this.closing) this.lostReason ??= jumped ? `the connection through bastion ${jumped.via} closed (the host or the bastion ended it)` : 'the server closed the connection';
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
    this.closing ??= closeClient(this.client).then(() => this.jumped?.ownBastions?.close());
    return this.closing;
  }
}
