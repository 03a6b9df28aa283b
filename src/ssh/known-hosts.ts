/**
 * OpenSSH known_hosts, read as `ssh` reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): no file I/O
 * here, so every rule is tested on text. No npm package fits: `known-hosts` (0.1.0, unmaintained)
 * reads ~/.ssh/known_hosts at import time and splits lines, without hashed names, patterns, ports
 * or markers.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type HostKeyStatus = 'match' | 'mismatch' | 'unknown';

export type HostKeyCheck =
  | { readonly status: 'match'; readonly line: number }
  /** A line for this host holds another key of the same type, or (`revoked`) this very key is @revoked. */
  | { readonly status: 'mismatch'; readonly line: number; readonly revoked: boolean }
  /** No line for this host with this key type; `otherKeyTypes` are the types it does have lines for. */
  | { readonly status: 'unknown'; readonly otherKeyTypes: readonly string[] };

export interface KnownHostsEntry {
  /** 1-based, as OpenSSH reports it ("Offending key in known_hosts:3"). */
  readonly line: number;
  readonly marker?: 'revoked' | 'cert-authority';
  /** The host field as written: comma-separated patterns, or one hashed `|1|salt|hash` name. */
  readonly hosts: string;
  readonly keyType: string;
  readonly key: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Every well-formed line; malformed ones are skipped, as ssh skips them. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const entry = parseLine(raw.trim(), index + 1);
    if (entry) entries.push(entry);
  });
  return entries;
}

function parseLine(text: string, line: number): KnownHostsEntry | undefined {
  if (text === '' || text.startsWith('#')) return undefined;
  const fields = text.split(/[ \t]+/);
  let marker: KnownHostsEntry['marker'];
  if (fields[0]?.startsWith('@')) {
    const name = fields.shift()!.slice(1);
    // An unknown marker may mean something stricter than we know: ignore the line, as ssh does.
    if (name !== 'revoked' && name !== 'cert-authority') return undefined;
    marker = name;
  }
  const [hosts, keyType, keyBase64] = fields;
  if (!hosts || !keyType || !keyBase64 || !BASE64.test(keyBase64)) return undefined;
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length === 0) return undefined;
  return marker ? { line, marker, hosts, keyType, key } : { line, hosts, keyType, key };
}

/** The name ssh looks up and writes: `host` on port 22, `[host]:port` otherwise; lower case. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** The line to append for an accepted key (no newline), as `ssh` writes it with HashKnownHosts off. */
export function knownHostsLine(host: string, port: number, keyType: string, keyBase64: string): string {
  return `${knownHostsName(host, port)} ${keyType} ${keyBase64}`;
}

/** Whether `host`:`port` presenting `key` (of `keyType`) is known, unknown or contradicted. */
export function checkHostKey(entries: readonly KnownHostsEntry[], host: string, port: number, keyType: string, key: Buffer): HostKeyCheck {
  const name = knownHostsName(host, port);
  let match: number | undefined;
  let mismatch: number | undefined;
  const otherKeyTypes = new Set<string>();
  for (const entry of entries) {
    if (entry.marker === 'cert-authority' || !hostMatches(entry.hosts, name)) continue;
    if (entry.marker === 'revoked') {
      // A revoked key is refused even when another line would accept it.
      if (entry.key.equals(key)) return { status: 'mismatch', line: entry.line, revoked: true };
    } else if (entry.keyType !== keyType) {
      otherKeyTypes.add(entry.keyType);
    } else if (entry.key.equals(key)) {
      match ??= entry.line;
    } else {
      mismatch ??= entry.line;
    }
  }
  // A host may have several keys of one type (several lines): any one of them matching is enough.
  if (match !== undefined) return { status: 'match', line: match };
  if (mismatch !== undefined) return { status: 'mismatch', line: mismatch, revoked: false };
  return { status: 'unknown', otherKeyTypes: [...otherKeyTypes] };
}

/** Key types with a plain (unmarked) line for this host, in file order. */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types = entries.filter((entry) => !entry.marker && hostMatches(entry.hosts, name)).map((entry) => entry.keyType);
  return [...new Set(types)];
}

/** Whether a host field names `name`: a hashed name, or patterns with `*`, `?` and `!` negation. */
export function hostMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedNameMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    // A matching negated pattern rejects the line whatever else matches (OpenSSH match_hostname).
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, what `ssh-keygen -H` and HashKnownHosts write. */
function hashedNameMatches(hashed: string, name: string): boolean {
  const [, magic, salt64, hash64] = hashed.split('|');
  if (magic !== '1' || !salt64 || !hash64) return false;
  const expected = Buffer.from(hash64, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt64, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function globMatches(pattern: string, name: string): boolean {
  const lower = pattern.toLowerCase();
  // Most lines name one host: compare strings rather than build a RegExp per line and host (a run over
  // 200 hosts with 200 known lines spent 0.6 s here).
  if (!lower.includes('*') && !lower.includes('?')) return lower === name;
  const source = [...lower].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(name);
}

/** The key type inside an SSH public key blob (its first SSH string), or undefined if malformed. */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > blob.length - 4) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** `SHA256:...` as `ssh-keygen -l` and ssh's messages print it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
