/**
 * Which credentials a connection offers, decided before any connection is made, so that a missing or
 * unusable key file is reported by path instead of as "all authentication methods failed".
 */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SshTarget } from '../inventory/model.ts';
import { CredentialError } from './errors.ts';
import { jumpLabel, type SshRoute } from './route.ts';
import { parsePrivateKey } from './ssh2.ts';

export type AuthMethod =
  | { readonly type: 'publickey'; readonly label: string; readonly key: string; readonly passphrase?: string }
  | { readonly type: 'agent'; readonly label: string; readonly socket: string };

/**
 * Asks for a key's passphrase (on the terminal), once per key file however many hosts use it; undefined when
 * it cannot ask (no terminal).
 */
export type PassphraseAsker = (path: string) => Promise<string | undefined>;

export type AuthPlan =
  | {
      readonly ok: true;
      readonly methods: readonly AuthMethod[];
      /** What was left out and why, for an authentication failure's message. */
      readonly notes: readonly string[];
      /** What the operator should hear even when the connection works (a key left out as too open). */
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly reason: 'private-key' | 'auth'; readonly detail: string };

/** OpenSSH's default identities, in its order. */
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** The identities ~/.ssh/config names for a host (IdentityFile lines, IdentitiesOnly). */
export interface ConfiguredIdentities {
  readonly files: readonly string[];
  readonly only: boolean;
}

/**
 * The inventory's key when it names one (and nothing else: an inventory that names a key means it); else
 * the ssh config's IdentityFile keys that exist, then ssh-agent (not with IdentitiesOnly); else the first
 * default key file that exists, then ssh-agent when SSH_AUTH_SOCK is set.
 */
export async function planAuth(identity: string | ConfiguredIdentities | undefined, env: NodeJS.ProcessEnv = process.env, home: string = homedir(), passphrase?: PassphraseAsker): Promise<AuthPlan> {
  const agent = env.SSH_AUTH_SOCK ? env.SSH_AUTH_SOCK : undefined;
  // ssh tries the agent before asking; so does lvsplay: a passphrase is asked only when there is no agent.
  const keys = new KeyFiles(agent ? undefined : passphrase);
  if (identity === undefined) return defaultPlan(agent, home, keys);
  if (typeof identity === 'string') return explicitPlan(expandHome(identity, home), agent, keys);
  return configuredPlan(identity, agent, home, keys);
}

/** Reads key files; an encrypted one is opened with a passphrase when one can be asked for. */
class KeyFiles {
  constructor(private readonly passphrase: PassphraseAsker | undefined) {}

  async method(path: string): Promise<{ readonly ok: true; readonly method: AuthMethod } | { readonly ok: false; readonly problem: KeyProblem }> {
    const key = await loadKey(path);
    if (key.ok) return { ok: true, method: { type: 'publickey', label: `key ${path}`, key: key.text } };
    if (key.problem.kind !== 'encrypted' || !this.passphrase) return key;
    const given = await this.passphrase(path);
    if (given === undefined) return key;
    const opened = await loadKey(path, given);
    return opened.ok ? { ok: true, method: { type: 'publickey', label: `key ${path}`, key: opened.text, passphrase: given } } : { ok: false, problem: { kind: 'wrong-passphrase' } };
  }
}

/** What a target offers: the inventory's key, else the config's identities, else the defaults. */
export function identityOf(target: SshTarget): string | ConfiguredIdentities | undefined {
  if (target.privateKey !== undefined) return target.privateKey;
  return target.identityFiles ? { files: target.identityFiles, only: target.identitiesOnly === true } : undefined;
}

/** As ssh: a named identity file that does not exist is passed over; one that cannot be used is noted. */
async function configuredPlan(identities: ConfiguredIdentities, agent: string | undefined, home: string, keys: KeyFiles): Promise<AuthPlan> {
  const methods: AuthMethod[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  let encrypted = false;
  for (const file of identities.files) {
    const path = expandHome(file, home);
    const key = await keys.method(path);
    if (key.ok) methods.push(key.method);
    else if (key.problem.kind === 'missing') notes.push(`${path} (IdentityFile) does not exist`);
    else {
      encrypted ||= key.problem.kind === 'encrypted';
      noteSkipped(path, key.problem, notes, warnings);
    }
  }
  // With IdentitiesOnly the agent is still how a passphrase-protected identity is used (lvsplay cannot ask).
  if (agent && (!identities.only || encrypted)) methods.push(agentMethod(agent));
  if (methods.length > 0) return { ok: true, methods, notes, warnings };
  return { ok: false, reason: 'auth', detail: `no way to authenticate: ${notes.join('; ')}${agent ? '' : ', and SSH_AUTH_SOCK is not set'}` };
}

async function explicitPlan(path: string, agent: string | undefined, keys: KeyFiles): Promise<AuthPlan> {
  const key = await keys.method(path);
  if (key.ok) return { ok: true, methods: [key.method], notes: [], warnings: [] };
  if (key.problem.kind === 'encrypted' && agent) {
    // The agent is asked first, as ssh does: it may hold the key already.
    return { ok: true, methods: [agentMethod(agent)], notes: [`${path} is passphrase-protected`], warnings: [] };
  }
  const hint = key.problem.kind === 'encrypted' ? ': give its passphrase at the prompt (lvsplay asks on a terminal), or load it into ssh-agent (ssh-add) and set SSH_AUTH_SOCK' : '';
  return { ok: false, reason: 'private-key', detail: `${describeKeyProblem(path, key.problem)}${hint}` };
}

async function defaultPlan(agent: string | undefined, home: string, keys: KeyFiles): Promise<AuthPlan> {
  const methods: AuthMethod[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  for (const name of DEFAULT_KEYS) {
    const path = join(home, '.ssh', name);
    const key = await keys.method(path);
    if (!key.ok && key.problem.kind === 'missing') continue;
    // Only the first existing one, as asked of lvsplay: each refused key counts against MaxAuthTries.
    if (key.ok) methods.push(key.method);
    else {
      noteSkipped(path, key.problem, notes, warnings);
    }
    break;
  }
  if (agent) methods.push(agentMethod(agent));
  if (methods.length > 0) return { ok: true, methods, notes, warnings };
  const tried = DEFAULT_KEYS.map((name) => `~/.ssh/${name}`).join(', ');
  const found = notes.length > 0 ? notes.join('; ') : `none of ${tried} exists`;
  return { ok: false, reason: 'auth', detail: `no way to authenticate: no privateKey is set for this host, SSH_AUTH_SOCK is not set, and ${found}` };
}

/** A key file left out: noted for an authentication failure; warned of too when it is too open, as OpenSSH does each time. */
function noteSkipped(path: string, problem: KeyProblem, notes: string[], warnings: string[]): void {
  const note = problem.kind === 'too-open' ? `${path} skipped: ${describeKeyProblem(path, problem)}` : `${path} skipped: it ${phrase(problem)}`;
  notes.push(note);
  if (problem.kind === 'too-open') warnings.push(note);
}

function agentMethod(socket: string): AuthMethod {
  return { type: 'agent', label: `ssh-agent (${socket})`, socket };
}

/** Why a key file cannot be used. */
export type KeyProblem =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly code: string }
  | { readonly kind: 'folder' }
  | { readonly kind: 'not-a-file' }
  | { readonly kind: 'too-open'; readonly mode: number }
  | { readonly kind: 'encrypted' }
  | { readonly kind: 'wrong-passphrase' }
  | { readonly kind: 'not-a-key'; readonly message: string }
  | { readonly kind: 'public-key' };

type LoadedKey = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: KeyProblem };

async function loadKey(path: string, passphrase?: string): Promise<LoadedKey> {
  const read = await readKeyFile(path);
  if (!read.ok) return read;
  const parsed = parsePrivateKey(read.text, passphrase);
  if (parsed instanceof Error) {
    return { ok: false, problem: /passphrase/i.test(parsed.message) ? { kind: 'encrypted' } : { kind: 'not-a-key', message: parsed.message } };
  }
  if (!parsed.isPrivateKey()) return { ok: false, problem: { kind: 'public-key' } };
  // Judged once it is known to be a private key: a .pub named by mistake is "a public key", not "too open".
  if (tooOpen(read.stats)) return { ok: false, problem: { kind: 'too-open', mode: read.stats.mode & 0o777 } };
  return { ok: true, text: read.text };
}

type ReadKey = { readonly ok: true; readonly text: string; readonly stats: Stats } | { readonly ok: false; readonly problem: KeyProblem };

/** The file's text and the permissions it had when read (from one descriptor: no race with a chmod). */
async function readKeyFile(path: string): Promise<ReadKey> {
  let file;
  try {
    // Non-blocking: a FIFO named as the key must not hold the run waiting for a writer.
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, problem: openProblem((error as NodeJS.ErrnoException).code) };
  }
  try {
    const stats = await file.stat();
    if (stats.isDirectory()) return { ok: false, problem: { kind: 'folder' } };
    if (!stats.isFile()) return { ok: false, problem: { kind: 'not-a-file' } };
    return { ok: true, text: await file.readFile('utf8'), stats };
  } catch (error) {
    return { ok: false, problem: openProblem((error as NodeJS.ErrnoException).code) };
  } finally {
    await file.close();
  }
}

/**
 * OpenSSH's rule (sshkey_perm_ok): a key of our own that group or others may access is refused. A
 * key another user owns is that user's to protect, and OpenSSH does not judge it either.
 */
function tooOpen(stats: Stats): boolean {
  return stats.uid === process.getuid?.() && (stats.mode & 0o077) !== 0;
}

function openProblem(code: string | undefined): KeyProblem {
  switch (code) {
    case 'ENOENT':
      return { kind: 'missing' };
    case 'EISDIR':
      return { kind: 'folder' };
    default:
      return { kind: 'unreadable', code: code ?? 'unknown error' };
  }
}

/** The operator's sentence for a key file that cannot be used, naming the file. */
export function describeKeyProblem(path: string, problem: KeyProblem): string {
  if (problem.kind === 'too-open') {
    const mode = `0${problem.mode.toString(8).padStart(3, '0')}`;
    return `permissions ${mode} for ${path} are too open: it must not be readable by others (chmod 600 ${path})`;
  }
  return `private key file ${path} ${phrase(problem)}`;
}

function phrase(problem: Exclude<KeyProblem, { kind: 'too-open' }>): string {
  switch (problem.kind) {
    case 'missing':
      return 'does not exist';
    case 'unreadable':
      return problem.code === 'EACCES' || problem.code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${problem.code})`;
    case 'folder':
      return 'is a folder, not a key file';
    case 'not-a-file':
      return 'is not a regular file';
    case 'encrypted':
      return 'is passphrase-protected';
    case 'wrong-passphrase':
      return 'did not open with the passphrase given';
    case 'not-a-key':
      return `is not a private key (${problem.message})`;
    case 'public-key':
      return 'is a public key, not a private key';
  }
}

/**
 * The credentials of every host a run will connect to, and of every bastion on the way, checked before the
 * first connection, so that an unusable key is a configuration error naming the host, not an "unreachable"
 * host halfway through a run. Throws CredentialError listing every such host; returns the warnings to show
 * (each once).
 */
export async function checkCredentials(
  hosts: readonly { readonly name: string; readonly route: SshRoute }[],
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
  passphrase?: PassphraseAsker,
): Promise<string[]> {
  // Hosts mostly share a key or two: each is read once.
  const byIdentity = new Map<string, Promise<AuthPlan>>();
  const planOf = (target: SshTarget): Promise<AuthPlan> => {
    const identity = identityOf(target);
    const key = JSON.stringify(identity ?? null);
    if (!byIdentity.has(key)) byIdentity.set(key, planAuth(identity, env, home, passphrase));
    return byIdentity.get(key)!;
  };
  const checks = hosts.flatMap(({ name, route }) => [
    ...route.jumps.map((jump) => ({ name, field: 'ssh.proxyJump', prefix: `bastion ${jumpLabel(jump)}: `, target: jump })),
    { name, field: 'ssh.privateKey', prefix: '', target: route.target },
  ]);
  const plans = await Promise.all(checks.map(async (check) => ({ check, plan: await planOf(check.target) })));
  const issues = plans.flatMap(({ check, plan }) => (plan.ok ? [] : [{ subject: `host ${check.name}`, field: check.field, message: `${check.prefix}${plan.detail}` }]));
  if (issues.length > 0) throw new CredentialError(issues);
  return [...new Set(plans.flatMap(({ plan }) => (plan.ok ? plan.warnings : [])))];
}

/** `~/x` as the shell would expand it: inventories and options often name keys that way. */
export function expandHome(path: string, home: string = homedir()): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}
