/**
 * resolveSshConfig: the settings `ssh ALIAS` would use, computed the way OpenSSH 9.x computes them
 * (`ssh -G` prints the same), with the file and line each came from.
 */
import { hostname, userInfo } from 'node:os';
import { isIP } from 'node:net';
import type { Obtained } from './directives.ts';
import { SshConfigError } from './errors.ts';
import type { ReadResult } from './files.ts';
import { DEFAULT_ORIGIN, formatOrigin, type ResolvedSshConfig, type Setting, type SshConfigFile } from './model.ts';
import { expandHostName, expandPath, type TokenContext } from './tokens.ts';
import { ConfigPass, type PassInput, type PassOutput } from './walk.ts';

export interface ResolveOptions {
  /** The files to read, in order (sshConfigFiles gives ssh's); none when absent. */
  readonly files?: readonly SshConfigFile[];
  /** For Match localuser, %u, and User's default. */
  readonly localUser: string;
  /** For `~`, %d and relative Includes (ssh takes them from the passwd entry; Include's `~` from $HOME). */
  readonly home: string;
  /** For %i and the owner check of ~/.ssh/config and included files; this process's by default. */
  readonly uid?: number;
  /** For %l, %L and %C; os.hostname() by default. */
  readonly localHostName?: string;
  /** For ${VAR} in IdentityFile and UserKnownHostsFile; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Reads the files (each once) and resolves `alias` through them. Asynchronous because it reads files
 * and lists the folders Include globs name. Never runs anything: Match exec is treated as not matching.
 * Throws SshConfigError, naming file and line, for what ssh would refuse.
 */
export async function resolveSshConfig(alias: string, options: ResolveOptions): Promise<ResolvedSshConfig> {
  const uid = options.uid ?? process.getuid?.() ?? userInfo().uid;
  const output: PassOutput = { obtained: { identityFiles: [] }, problems: new Set(), warnings: new Set(), filesRead: new Set(), wantsFinalPass: false };
  const reads = new Map<string, Promise<ReadResult>>();
  const files = options.files ?? [];
  const input: PassInput = { alias, host: alias, finalPass: false, localUser: options.localUser, home: options.home, uid };
  await new ConfigPass(input, output, reads).run(files);
  throwProblems(alias, output.problems);

  const { obtained } = output;
  const hostName = finalHostName(alias, obtained, output.problems);
  throwProblems(alias, output.problems);
  const canonicalize = obtained.canonicalizeHostname;
  if (canonicalize?.value) {
    output.warnings.add(`${formatOrigin(canonicalize.origin)}: CanonicalizeHostname: lvsplay does not look names up in DNS to canonicalize them; ${hostName.value} is used as it is`);
  }
  if (output.wantsFinalPass || canonicalize?.value) {
    // ssh's final pass: Host lines now match the hostname, which is fixed (a HostName line there no
    // longer counts), and only values still unset are added.
    await new ConfigPass({ ...input, host: hostName.value, finalPass: true, finalHostName: hostName.value }, output, reads).run(files);
    throwProblems(alias, output.problems);
  }
  return finish(alias, obtained, hostName, output, { ...options, uid });
}

/** HostName with %h expanded, lowercased unless it is an address, as ssh connects to it. */
function finalHostName(alias: string, obtained: Obtained, problems: Set<string>): Setting<string> {
  if (obtained.hostName === undefined) return { value: isIP(alias) ? alias : alias.toLowerCase(), origin: DEFAULT_ORIGIN };
  const expanded = expandHostName(obtained.hostName.value, alias);
  if (!expanded.ok) {
    problems.add(`${formatOrigin(obtained.hostName.origin)}: HostName: ${expanded.message}`);
    return { value: alias, origin: obtained.hostName.origin };
  }
  return { value: isIP(expanded.value) ? expanded.value : expanded.value.toLowerCase(), origin: obtained.hostName.origin };
}

function finish(alias: string, obtained: Obtained, hostName: Setting<string>, output: PassOutput, options: ResolveOptions & { uid: number }): ResolvedSshConfig {
  const user = obtained.user ?? { value: options.localUser, origin: DEFAULT_ORIGIN };
  const port = obtained.port ?? { value: 22, origin: DEFAULT_ORIGIN };
  const hostKeyAlias = obtained.hostKeyAlias && { value: obtained.hostKeyAlias.value.toLowerCase(), origin: obtained.hostKeyAlias.origin };
  const context: TokenContext = {
    alias,
    hostName: hostName.value,
    port: port.value,
    remoteUser: user.value,
    localUser: options.localUser,
    home: options.home,
    uid: options.uid,
    localHostName: options.localHostName ?? hostname(),
    hostKeyAlias: hostKeyAlias?.value,
    env: options.env ?? process.env,
  };
  const problems = new Set<string>();
  const expand = (setting: Setting<string>, keyword: string): string => {
    const expanded = expandPath(setting.value, context);
    if (expanded.ok) return expanded.value;
    problems.add(`${formatOrigin(setting.origin)}: ${keyword}: ${expanded.message}`);
    return setting.value;
  };
  const identityFiles = obtained.identityFiles.filter((file) => file.value.toLowerCase() !== 'none').map((file) => ({ value: expand(file, 'IdentityFile'), origin: file.origin }));
  const knownHosts = obtained.userKnownHostsFiles;
  const userKnownHostsFiles = knownHosts && {
    value:
      knownHosts.value.length === 1 && knownHosts.value[0]!.toLowerCase() === 'none' ? [] : knownHosts.value.map((file) => expand({ value: file, origin: knownHosts.origin }, 'UserKnownHostsFile')),
    origin: knownHosts.origin,
  };
  throwProblems(alias, problems);
  return {
    alias,
    hostName,
    user,
    port,
    identityFiles,
    proxy: obtained.proxy ?? obtained.jumpNone ?? { value: { kind: 'direct' }, origin: DEFAULT_ORIGIN },
    ...optional('identitiesOnly', obtained.identitiesOnly),
    ...optional('userKnownHostsFiles', userKnownHostsFiles),
    ...optional('strictHostKeyChecking', obtained.strictHostKeyChecking),
    ...optional('hostKeyAlias', hostKeyAlias),
    ...optional('connectTimeout', obtained.connectTimeout),
    ...optional('serverAliveInterval', obtained.serverAliveInterval),
    ...optional('serverAliveCountMax', obtained.serverAliveCountMax),
    warnings: [...output.warnings],
    filesRead: [...output.filesRead],
  };
}

function optional<K extends string, T>(key: K, setting: Setting<T> | undefined): { [P in K]?: Setting<T> } {
  return (setting === undefined ? {} : { [key]: setting }) as { [P in K]?: Setting<T> };
}

function throwProblems(alias: string, problems: Set<string>): void {
  if (problems.size > 0) throw new SshConfigError(alias, [...problems]);
}
