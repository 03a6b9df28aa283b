/** Parsing one keyword's argument as OpenSSH does, or saying why it is refused. */
import type { JumpHop, StrictHostKeyChecking } from './model.ts';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (message: string): Parsed<never> => ({ ok: false, message });

/** 1-65535 (ssh also takes /etc/services names; lvsplay wants the number). */
export function parsePort(text: string): Parsed<number> {
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return port >= 1 && port <= 65535 ? ok(port) : bad(`"${text}" is not a port number (1-65535)`);
}

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const INT_MAX = 2 ** 31 - 1;

/** OpenSSH's convtime: `90`, `1m30s`, `2h`; undefined for `none`, which leaves the value unset. */
export function parseTime(text: string): Parsed<number | undefined> {
  if (text === 'none') return ok(undefined);
  const parts = text.match(/\d+[a-zA-Z]?/g);
  if (text === '' || parts === null || parts.join('') !== text) return bad(`"${text}" is not a time (seconds, or a number with s, m, h, d or w)`);
  let total = 0;
  for (const part of parts) {
    const unit = UNITS[/[a-zA-Z]$/.test(part) ? part.slice(-1).toLowerCase() : ''];
    if (unit === undefined) return bad(`"${text}" is not a time (seconds, or a number with s, m, h, d or w)`);
    total += Number.parseInt(part, 10) * unit;
    if (total > INT_MAX) return bad(`"${text}" is too long a time`);
  }
  return ok(total);
}

export function parseCount(text: string): Parsed<number> {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return count <= INT_MAX ? ok(count) : bad(`"${text}" is not a whole number`);
}

const FLAGS: Record<string, boolean> = { yes: true, true: true, no: false, false: false };

export function parseFlag(text: string): Parsed<boolean> {
  const flag = FLAGS[text.toLowerCase()];
  return flag === undefined ? bad(`"${text}" is not yes or no`) : ok(flag);
}

const STRICT: Record<string, StrictHostKeyChecking> = { yes: 'yes', true: 'yes', no: 'no', false: 'no', off: 'no', ask: 'ask', 'accept-new': 'accept-new' };

export function parseStrictHostKeyChecking(text: string): Parsed<StrictHostKeyChecking> {
  const value = STRICT[text.toLowerCase()];
  return value === undefined ? bad(`"${text}" is not yes, no, accept-new or ask`) : ok(value);
}

const CANONICALIZE: Record<string, boolean> = { yes: true, true: true, always: true, no: false, false: false };

/** CanonicalizeHostname: whether it asks for canonicalization (and so for a second pass). */
export function parseCanonicalize(text: string): Parsed<boolean> {
  const value = CANONICALIZE[text.toLowerCase()];
  return value === undefined ? bad(`"${text}" is not yes, no or always`) : ok(value);
}

/**
 * ProxyJump's text as OpenSSH reads it (the rest of the line, a `#` ending it, not unquoted): `none`,
 * or comma-separated hops, each `[user@]host[:port]` or `ssh://[user@]host[:port]`. Hops in connection
 * order; [] for `none`.
 */
export function parseProxyJump(text: string): Parsed<JumpHop[]> {
  const spec = text.split('#')[0]!.trimEnd();
  if (spec.toLowerCase() === 'none') return ok([]);
  const hops: JumpHop[] = [];
  for (const part of spec.split(',')) {
    const hop = part.startsWith('ssh://') ? parseSshUri(part.slice('ssh://'.length)) : parseUserHostPort(part);
    if (hop === undefined) return bad(`"${part}" is not [user@]host[:port] or ssh://[user@]host[:port]`);
    hops.push(hop);
  }
  return ok(hops);
}

function parseUserHostPort(text: string): JumpHop | undefined {
  const at = text.lastIndexOf('@');
  const user = at < 0 ? undefined : text.slice(0, at);
  if (user === '') return undefined;
  const split = splitHostPort(text.slice(at + 1), false);
  if (split === undefined || split.path !== undefined) return undefined;
  return hop(user, split.host, split.port);
}

function parseSshUri(text: string): JumpHop | undefined {
  const at = text.indexOf('@');
  let user: string | undefined;
  if (at >= 0) {
    // `;fingerprint=...` connection parameters are ignored, as OpenSSH does.
    user = decodeUriPart(text.slice(0, at).split(';')[0]!);
    if (user === undefined || user === '') return undefined;
  }
  const split = splitHostPort(text.slice(at + 1), true);
  if (split === undefined || split.path !== undefined || !validDomain(split.host)) return undefined;
  return hop(user, split.host, split.port);
}

function hop(user: string | undefined, host: string, port: number | undefined): JumpHop {
  return { ...(user === undefined ? {} : { user }), host, ...(port === undefined ? {} : { port }) };
}

/** `host`, `host:port`, `[v6]:port`; with a URI's `/path` too (a path is refused by the callers). */
function splitHostPort(text: string, uri: boolean): { host: string; port?: number; path?: string } | undefined {
  let end: number;
  if (text.startsWith('[')) {
    end = text.indexOf(']') + 1;
    if (end === 0) return undefined;
  } else {
    // hpdelim: the host ends at the first `:` or `/`; a `/` is only allowed in a URI.
    end = [...text].findIndex((char) => char === ':' || char === '/');
    if (end < 0) end = text.length;
  }
  const delimiter = text[end];
  if (delimiter !== undefined && delimiter !== ':' && !(uri && delimiter === '/')) return undefined;
  const raw = text.slice(0, end);
  if (raw === '') return undefined;
  const host = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  let rest = delimiter === undefined ? '' : text.slice(end + 1);
  let port: number | undefined;
  if (delimiter === ':' && rest !== '') {
    const slash = uri ? rest.indexOf('/') : -1;
    const portText = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '' : rest.slice(slash + 1);
    const parsed = parsePort(portText);
    if (!parsed.ok) return undefined;
    port = parsed.value;
  }
  return { host, ...(port === undefined ? {} : { port }), ...(rest === '' ? {} : { path: rest }) };
}

function decodeUriPart(text: string): string | undefined {
  if (/%(?![0-9a-fA-F]{2})/.test(text)) return undefined;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined; // Bytes that are not UTF-8.
  }
}

/** OpenSSH's valid_domain, which a URI's host must pass. */
function validDomain(name: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(name) && !name.includes('..');
}
