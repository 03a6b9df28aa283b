/** ssh_config(5)'s TOKENS and `~` in the values lvsplay uses, expanded as ssh 9.x expands them. */
import { createHash } from 'node:crypto';
import type { Parsed } from './values.ts';

/** What ssh knows of the connection when it expands IdentityFile and UserKnownHostsFile. */
export interface TokenContext {
  readonly alias: string;
  readonly hostName: string;
  readonly port: number;
  readonly remoteUser: string;
  readonly localUser: string;
  readonly home: string;
  readonly uid: number;
  /** The full local host name (gethostname). */
  readonly localHostName: string;
  readonly hostKeyAlias: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/** `~`, then %C %L %i %k %l %n %p %d %h %r %u %% and ${VAR}: IdentityFile's and UserKnownHostsFile's expansion. */
export function expandPath(text: string, context: TokenContext): Parsed<string> {
  const tilde = expandTilde(text, context.localUser, context.home);
  if (!tilde.ok) return tilde;
  return inText(text, expandTokens(tilde.value, pathTokens(context), context.env));
}

/** HostName: %h (the alias) and %%. */
export function expandHostName(text: string, alias: string): Parsed<string> {
  return inText(text, expandTokens(text, { h: alias }, undefined));
}

/** A problem's message names the value as written. */
function inText(text: string, expanded: Parsed<string>): Parsed<string> {
  return expanded.ok ? expanded : { ok: false, message: `${expanded.message} in "${text}"` };
}

function pathTokens(context: TokenContext): Record<string, string> {
  const connectionHash = createHash('sha1').update(`${context.localHostName}${context.hostName}${context.port}${context.remoteUser}`).digest('hex');
  return {
    C: connectionHash,
    L: context.localHostName.split('.')[0]!,
    i: String(context.uid),
    k: context.hostKeyAlias ?? context.alias,
    l: context.localHostName,
    n: context.alias,
    p: String(context.port),
    d: context.home,
    h: context.hostName,
    r: context.remoteUser,
    u: context.localUser,
  };
}

/** OpenSSH's percent_expand (and percent_dollar_expand when `env` is given). */
function expandTokens(text: string, tokens: Record<string, string>, env: NodeJS.ProcessEnv | undefined): Parsed<string> {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (env !== undefined && char === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) return { ok: false, message: 'environment variable ${ with no closing }' };
      const name = text.slice(i + 2, end);
      if (name === '') return { ok: false, message: 'empty environment variable name ${}' };
      const value = env[name];
      if (value === undefined) return { ok: false, message: `environment variable \${${name}} is not set` };
      out += value;
      i = end;
      continue;
    }
    if (char !== '%') {
      out += char;
      continue;
    }
    const key = text[++i];
    if (key === undefined) return { ok: false, message: 'a lone % at the end' };
    const value = key === '%' ? '%' : Object.hasOwn(tokens, key) ? tokens[key] : undefined;
    if (value === undefined) return { ok: false, message: `unknown token %${key}` };
    out += value;
  }
  return { ok: true, value: out };
}

/** OpenSSH's tilde_expand: `~`, `~/path`; `~user` only for the local user (lvsplay reads no passwd database). */
function expandTilde(text: string, localUser: string, home: string): Parsed<string> {
  if (!text.startsWith('~')) return { ok: true, value: text };
  const slash = text.indexOf('/');
  const user = text.slice(1, slash < 0 ? undefined : slash);
  if (user !== '' && user !== localUser) return { ok: false, message: `"${text}": lvsplay expands ~ only for the local user (${localUser})` };
  const path = slash < 0 ? '' : text.slice(slash).replace(/^\/+/, '');
  return { ok: true, value: `${home.endsWith('/') ? home : `${home}/`}${path}` };
}
