/**
 * The few parts of ssh2 that lvsplay touches directly, typed here.
 * ssh2 ships no types and @types/ssh2 is not a dependency (node-ssh's typings then see `any`), so
 * these interfaces are the contract; they follow ssh2 1.17's lib/client.js and lib/Channel.js.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { Duplex, Readable } from 'node:stream';

export interface Ssh2ParsedKey {
  readonly type: string;
  isPrivateKey(): boolean;
}

/** A session channel as ssh2's Client.exec hands it over. */
export interface Ssh2Channel extends Duplex {
  readonly stderr: Readable;
  /** Our side of the channel: `state` is 'open', 'eof' (after end()), 'closing' or 'closed'. */
  readonly outgoing: { readonly id: number; readonly state: string };
  close(): void;
}

export interface Ssh2Client extends EventEmitter {
  exec(command: string, callback: (error: Error | undefined, channel: Ssh2Channel) => void): void;
  /**
   * A direct-tcpip channel: the server connects to `dstHost`:`dstPort` and the stream carries that
   * connection. A refusal comes as an Error whose `reason` is the SSH channel-open failure code.
   */
  forwardOut(srcIP: string, srcPort: number, dstHost: string, dstPort: number, callback: (error: (Error & { reason?: number | string }) | undefined, stream: Duplex) => void): void;
  end(): void;
  destroy(): void;
}

interface Ssh2Module {
  readonly utils: { parseKey(data: string | Buffer, passphrase?: string): Ssh2ParsedKey | Ssh2ParsedKey[] | Error };
  readonly OpenSSHAgent: new (socketPath: string) => { getIdentities(callback: (error: Error | null, keys?: readonly { readonly type: string; readonly comment: string }[]) => void): void };
}

const ssh2 = createRequire(import.meta.url)('ssh2') as Ssh2Module;

/** ssh2's own key parser, so that a key file is judged exactly as the handshake will judge it. */
export function parsePrivateKey(text: string, passphrase?: string): Ssh2ParsedKey | Error {
  const parsed = ssh2.utils.parseKey(text, passphrase);
  return Array.isArray(parsed) ? (parsed[0] ?? new Error('no key in the file')) : parsed;
}

/** The keys ssh-agent holds, as `comment (type)`, for an authentication failure's message; undefined when it cannot be asked. */
export function agentKeys(socketPath: string): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    new ssh2.OpenSSHAgent(socketPath).getIdentities((error, keys) => {
      resolve(error || !keys ? undefined : keys.map((key) => `${key.comment || 'no comment'} (${key.type})`));
    });
  });
}

/**
 * Sends a "signal" request on a channel. Channel.signal() is a silent no-op once we have sent EOF
 * (it checks `writable`), and we send EOF right after stdin; so this goes to the protocol object
 * underneath, which only needs the channel to be open on our side ('open' or 'eof').
 */
export function sendSignal(channel: Ssh2Channel, signal: string): void {
  const internals = channel as unknown as { _client?: { _protocol?: { signal?(id: number, name: string): void } } };
  const protocol = internals._client?._protocol;
  if ((channel.outgoing.state === 'open' || channel.outgoing.state === 'eof') && protocol?.signal) {
    protocol.signal(channel.outgoing.id, signal);
  }
}
