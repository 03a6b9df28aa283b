/**
 * Which credentials a connection offers, decided before any connection is made, so that a missing or
 * unusable key file is reported by path instead of as "all authentication methods failed".
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parsePrivateKey } from './ssh2.ts';

export type AuthMethod =
  | { readonly type: 'publickey'; readonly label: string; readonly key: string }
  | { readonly type: 'agent'; readonly label: string; readonly socket: string };

export type AuthPlan =
  | { readonly ok: true; readonly methods: readonly AuthMethod[]; readonly notes: readonly string[] }
  | { readonly ok: false; readonly reason: 'private-key' | 'auth'; readonly detail: string };

/** OpenSSH's default identities, in its order. */
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * The target's own key when it names one (and nothing else: an inventory that names a key means it);
 * otherwise the first default key file that exists, then ssh-agent when SSH_AUTH_SOCK is set.
 */
export async function planAuth(
  privateKey: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): Promise<AuthPlan> {
  const agent = env.SSH_AUTH_SOCK ? env.SSH_AUTH_SOCK : undefined;
  return privateKey === undefined ? defaultPlan(agent, home) : explicitPlan(expandHome(privateKey, home), agent);
}

async function explicitPlan(path: string, agent: string | undefined): Promise<AuthPlan> {
  const key = await loadKey(path);
  if (key.ok) return { ok: true, methods: [{ type: 'publickey', label: `key ${path}`, key: key.text }], notes: [] };
  if (key.encrypted && agent) {
    // ssh would ask for the passphrase; we cannot, but the agent may hold the key already.
    return { ok: true, methods: [agentMethod(agent)], notes: [`${path} is passphrase-protected`] };
  }
  const hint = key.encrypted ? ': lvsplay cannot ask for a passphrase; load it into ssh-agent (ssh-add) and set SSH_AUTH_SOCK' : '';
  return { ok: false, reason: 'private-key', detail: `private key file ${path} ${key.problem}${hint}` };
}

async function defaultPlan(agent: string | undefined, home: string): Promise<AuthPlan> {
  const methods: AuthMethod[] = [];
  const notes: string[] = [];
  for (const name of DEFAULT_KEYS) {
    const path = join(home, '.ssh', name);
    const key = await loadKey(path);
    if (!key.ok && key.missing) continue;
    // Only the first existing one, as asked of lvsplay: each refused key counts against MaxAuthTries.
    if (key.ok) methods.push({ type: 'publickey', label: `key ${path}`, key: key.text });
    else notes.push(`${path} skipped: it ${key.problem}`);
    break;
  }
  if (agent) methods.push(agentMethod(agent));
  if (methods.length > 0) return { ok: true, methods, notes };
  const tried = DEFAULT_KEYS.map((name) => `~/.ssh/${name}`).join(', ');
  const found = notes.length > 0 ? notes.join('; ') : `none of ${tried} exists`;
  return { ok: false, reason: 'auth', detail: `no way to authenticate: no privateKey is set for this host, SSH_AUTH_SOCK is not set, and ${found}` };
}

function agentMethod(socket: string): AuthMethod {
  return { type: 'agent', label: `ssh-agent (${socket})`, socket };
}

type LoadedKey =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly missing: boolean; readonly encrypted: boolean; readonly problem: string };

async function loadKey(path: string): Promise<LoadedKey> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === 'ENOENT', encrypted: false, problem: readProblem(code) };
  }
  const parsed = parsePrivateKey(text);
  if (parsed instanceof Error) {
    const encrypted = /passphrase/i.test(parsed.message);
    return { ok: false, missing: false, encrypted, problem: encrypted ? 'is passphrase-protected' : `is not a private key (${parsed.message})` };
  }
  if (!parsed.isPrivateKey()) return { ok: false, missing: false, encrypted: false, problem: 'is a public key, not a private key' };
  return { ok: true, text };
}

function readProblem(code: string | undefined): string {
  switch (code) {
    case 'ENOENT': return 'does not exist';
    case 'EACCES': case 'EPERM': return 'cannot be read (permission denied)';
    case 'EISDIR': return 'is a folder, not a key file';
    default: return `cannot be read (${code ?? 'unknown error'})`;
  }
}

/** `~/x` as the shell would expand it: inventories and options often name keys that way. */
export function expandHome(path: string, home: string = homedir()): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}
