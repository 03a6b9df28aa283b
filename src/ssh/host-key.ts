/**
 * The host key decision for one connection attempt, as ssh2's `hostVerifier` needs it: synchronous,
 * on the raw key blob, before authentication. It only decides; the caller writes an accepted key to
 * known_hosts after the connection is up (so after the server has proved it holds the private key).
 */
import type { ConnectFailure } from './errors.ts';
import { checkHostKey, fingerprint, knownHostsLine, knownHostsName, knownKeyTypes, keyTypeOf, type KnownHostsEntry } from './known-hosts.ts';

export interface HostKeyRules {
  readonly host: string;
  readonly port: number;
  /** Named in messages. */
  readonly file: string;
  readonly acceptNew: boolean;
}

/** ssh2's host key algorithm names for a known_hosts key type (an RSA key signs with any of three). */
const ALGORITHMS: Readonly<Record<string, readonly string[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export class HostKeyGate {
  /** Why verify() refused, for the error message (ssh2 itself only says "Host denied"). */
  failure: { readonly reason: ConnectFailure; readonly detail: string } | undefined;
  /** The known_hosts line to append once connected, when an unknown key was accepted. */
  accepted: string | undefined;

  constructor(
    private readonly entries: readonly KnownHostsEntry[],
    private readonly rules: HostKeyRules,
  ) {}

  /**
   * For ssh2's `algorithms.serverHostKey`: the key types already known for this host first, as
   * OpenSSH orders them, so that a host known by its ECDSA key is not asked for an Ed25519 one (which
   * would then look unknown). `remove` before `prepend` because ssh2's prepend skips any algorithm
   * already in its default list, which would make it a no-op.
   */
  get algorithms(): { remove: string[]; prepend: string[] } | undefined {
    const known = knownKeyTypes(this.entries, this.rules.host, this.rules.port).flatMap((type) => ALGORITHMS[type] ?? []);
    return known.length > 0 ? { remove: known, prepend: known } : undefined;
  }

  /** ssh2's hostVerifier: true lets the handshake go on. */
  verify(key: Buffer): boolean {
    const { host, port, file, acceptNew } = this.rules;
    const keyType = keyTypeOf(key) ?? 'unknown';
    const check = checkHostKey(this.entries, host, port, keyType, key);
    const name = knownHostsName(host, port);
    const presented = `${keyType} ${fingerprint(key)}`;
    if (check.status === 'match') return true;
    if (check.status === 'mismatch') {
      this.failure = check.revoked
        ? { reason: 'host-key-revoked', detail: `host key for ${name} (${presented}) is marked @revoked in ${file} line ${check.line}` }
        : {
            reason: 'host-key-mismatch',
            detail: `host key for ${name} does not match ${file} line ${check.line}: possible man-in-the-middle, or the host was reinstalled (it presented ${presented})`,
          };
      return false;
    }
    if (check.otherKeyTypes.length > 0) {
      // The host is known, by another key type it no longer offers: that is a changed key, not a new host.
      const types = check.otherKeyTypes.join(', ');
      this.failure = {
        reason: 'host-key-mismatch',
        detail: `host key for ${name} (${presented}) is not in ${file}, which knows this host only by ${types} keys: not accepted automatically; check the host, then update ${file}`,
      };
      return false;
    }
    if (!acceptNew) {
      this.failure = {
        reason: 'host-key-unknown',
        detail: `host key for ${name} (${presented}) is unknown: it is not in ${file}; add it there, or accept new host keys`,
      };
      return false;
    }
    this.accepted = knownHostsLine(host, port, keyType, key.toString('base64'));
    return true;
  }
}
