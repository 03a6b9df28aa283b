/**
 * The keywords lvsplay uses, each parsed on every line (as ssh checks even lines that do not apply)
 * and kept, when its line applies, only if no earlier line set it: ssh's "first obtained value wins".
 */
import type { Origin, ProxyRoute, Setting, StrictHostKeyChecking } from './model.ts';
import { type Parsed, parseCanonicalize, parseCount, parseFlag, parsePort, parseProxyJump, parseStrictHostKeyChecking, parseTime } from './values.ts';

/** Values as written in the files, before the tokens in them are expanded. */
export interface Obtained {
  hostName?: Setting<string>;
  user?: Setting<string>;
  port?: Setting<number>;
  /** In order, without repeats of the same text (ssh drops those). */
  identityFiles: Setting<string>[];
  proxy?: Setting<ProxyRoute>;
  /** `ProxyJump none`: later ProxyJump lines no longer count, a later ProxyCommand still does (as ssh 9.2 does). */
  jumpNone?: Setting<ProxyRoute>;
  identitiesOnly?: Setting<boolean>;
  userKnownHostsFiles?: Setting<readonly string[]>;
  strictHostKeyChecking?: Setting<StrictHostKeyChecking>;
  hostKeyAlias?: Setting<string>;
  connectTimeout?: Setting<number>;
  serverAliveInterval?: Setting<number>;
  serverAliveCountMax?: Setting<number>;
  ignoreUnknown?: Setting<string>;
  canonicalizeHostname?: Setting<boolean>;
}

export interface Directive {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly rest: string;
  readonly origin: Origin;
  /** Whether the line applies to this host (its Host or Match block matched). */
  readonly active: boolean;
}

type Scalar =
  | 'user'
  | 'port'
  | 'identitiesOnly'
  | 'strictHostKeyChecking'
  | 'hostKeyAlias'
  | 'connectTimeout'
  | 'serverAliveInterval'
  | 'serverAliveCountMax'
  | 'ignoreUnknown'
  | 'canonicalizeHostname';

const text = (value: string): Parsed<string> => ({ ok: true, value });

/** One-argument keywords: the slot each fills and its parser (undefined: parsed, but leaves the slot unset). */
const SCALARS: Record<string, { readonly slot: Scalar; readonly parse: (value: string) => Parsed<unknown> }> = {
  user: { slot: 'user', parse: text },
  port: { slot: 'port', parse: parsePort },
  identitiesonly: { slot: 'identitiesOnly', parse: parseFlag },
  stricthostkeychecking: { slot: 'strictHostKeyChecking', parse: parseStrictHostKeyChecking },
  hostkeyalias: { slot: 'hostKeyAlias', parse: text },
  connecttimeout: { slot: 'connectTimeout', parse: parseTime },
  serveraliveinterval: { slot: 'serverAliveInterval', parse: parseTime },
  serveralivecountmax: { slot: 'serverAliveCountMax', parse: parseCount },
  ignoreunknown: { slot: 'ignoreUnknown', parse: text },
  canonicalizehostname: { slot: 'canonicalizeHostname', parse: parseCanonicalize },
};

/** Whether lvsplay reads this keyword (the others are known to ssh and left to it). */
export function isUsedKeyword(keyword: string): boolean {
  return keyword in SCALARS || ['hostname', 'identityfile', 'identityfile2', 'userknownhostsfile', 'proxyjump', 'proxycommand'].includes(keyword);
}

/** Applies one line of a keyword lvsplay reads; returns the problem with it, if any. */
export function applyDirective(obtained: Obtained, line: Directive): string | undefined {
  const { keyword, args, active, origin } = line;
  const scalar = SCALARS[keyword];
  if (scalar !== undefined || keyword === 'hostname' || keyword === 'identityfile' || keyword === 'identityfile2') {
    const value = args[0];
    if (value === undefined || value === '') return 'missing argument';
    if (args.length > 1) return `extra arguments at end of line: ${args.slice(1).join(' ')}`;
    if (scalar === undefined) return applyPath(obtained, keyword, value, origin, active);
    const parsed = scalar.parse(value);
    if (!parsed.ok) return parsed.message;
    // `none` parses to undefined and leaves the value unset for a later line, as in ssh.
    if (active && obtained[scalar.slot] === undefined && parsed.value !== undefined) (obtained as unknown as Record<string, Setting<unknown>>)[scalar.slot] = { value: parsed.value, origin };
    return undefined;
  }
  if (keyword === 'userknownhostsfile') return applyKnownHosts(obtained, line);
  return applyProxy(obtained, line);
}

function applyPath(obtained: Obtained, keyword: string, value: string, origin: Origin, active: boolean): undefined {
  if (!active) return undefined;
  if (keyword === 'hostname') {
    if (obtained.hostName === undefined) obtained.hostName = { value, origin };
  } else if (!obtained.identityFiles.some((file) => file.value === value)) obtained.identityFiles.push({ value, origin });
  return undefined;
}

function applyKnownHosts(obtained: Obtained, { args, active, origin }: Directive): string | undefined {
  if (args.some((arg) => arg === '')) return 'empty argument';
  if (args.length === 0) return 'missing argument';
  if (args.some((arg) => arg.toLowerCase() === 'none') && args.length > 1) return '"none" must appear alone';
  if (active && obtained.userKnownHostsFiles === undefined) obtained.userKnownHostsFiles = { value: args, origin };
  return undefined;
}

/**
 * ProxyJump and ProxyCommand share one slot: whichever applies first decides the route, except that
 * `ProxyJump none` leaves it open to a later ProxyCommand (observed with ssh -G).
 */
function applyProxy(obtained: Obtained, { keyword, rest, active, origin }: Directive): string | undefined {
  const value = rest.replace(/^[ \t\r\n=]+/, '');
  if (keyword === 'proxycommand') {
    const route: ProxyRoute = value.toLowerCase() === 'none' ? { kind: 'direct' } : { kind: 'command', command: value };
    if (active && obtained.proxy === undefined) obtained.proxy = { value: route, origin };
    return undefined;
  }
  const hops = parseProxyJump(value);
  if (!hops.ok) return hops.message;
  if (!active || obtained.proxy !== undefined || obtained.jumpNone !== undefined) return undefined;
  if (hops.value.length === 0) obtained.jumpNone = { value: { kind: 'direct' }, origin };
  else obtained.proxy = { value: { kind: 'jump', hops: hops.value }, origin };
  return undefined;
}
