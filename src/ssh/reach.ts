/**
 * How lvsplay reaches each host, decided for every host before the first connection. For each setting,
 * the first of these that has it wins: the command line (--known-hosts, --accept-new-host-keys,
 * --connect-timeout), the inventory's `ssh` fields (the host's own, then `defaults.ssh`), the OpenSSH
 * client config for the host's alias (`ssh.host`, else its name) as `ssh ALIAS` would read it, and last
 * lvsplay's defaults: the alias itself as the address, user root, port 22, ~/.ssh/id_* then ssh-agent.
 * Bastions (ProxyJump) are resolved the same way, each through the config in its turn, as `ssh -J` does.
 */
import type { Host, JumpHop, Port, SshSettings, SshTarget } from '../inventory/model.ts';
import type { Issue } from '../inventory/issues.ts';
import { formatIssue } from '../inventory/issues.ts';
import { resolveSshConfig, SshConfigError, type ResolvedSshConfig, type SshConfigFile } from './config/index.ts';
import type { SshRoute } from './route.ts';

export interface ReachOptions {
  /** The OpenSSH config files to read (sshConfigFiles: ~/.ssh/config and /etc/ssh/ssh_config, or --ssh-config). */
  readonly files: readonly SshConfigFile[];
  readonly home: string;
  readonly localUser: string;
  readonly env?: NodeJS.ProcessEnv;
  /** What the command line set: it wins over the config. */
  readonly commandLine: { readonly knownHostsFile?: string; readonly acceptNewHostKeys?: boolean; readonly connectTimeoutSeconds?: number };
}

export interface Reach {
  readonly route: SshRoute;
  /** What the config said that the operator should hear (a Match exec not run, StrictHostKeyChecking no). */
  readonly warnings: readonly string[];
}

/** Every host whose route could not be made, before any host was connected to. */
export class ReachError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    const hosts = `${issues.length} host${issues.length === 1 ? '' : 's'}`;
    super(`cannot work out how to reach ${hosts}; no host was connected to\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ReachError';
  }
}

/** A chain of ProxyJump hops longer than this is a loop in the config (OpenSSH has no limit, but loops forever). */
const MAX_JUMPS = 8;

/** The route to every host, in the inventory's order; throws ReachError naming each host that has none. */
export async function reachHosts(hosts: readonly Pick<Host, 'name' | 'ssh'>[], options: ReachOptions): Promise<Map<string, Reach>> {
  const resolver = new Resolver(options);
  // Settled in the inventory's order, so that the issues come in that order too.
  const settled = await Promise.all(
    hosts.map(async (host): Promise<Reach | Issue> => {
      try {
        return await resolver.reach(host.name, host.ssh);
      } catch (error) {
        if (!(error instanceof Unreachable)) throw error;
        return { subject: `host ${host.name}`, field: error.field, message: error.message };
      }
    }),
  );
  const issues = settled.filter((result): result is Issue => !('route' in result));
  if (issues.length > 0) throw new ReachError(issues);
  return new Map(hosts.map((host, i) => [host.name, settled[i] as Reach]));
}

class Unreachable extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

class Resolver {
  /** Hosts and bastions mostly share aliases: each is resolved once. */
  private readonly configs = new Map<string, Promise<ResolvedSshConfig>>();

  constructor(private readonly options: ReachOptions) {}

  async reach(name: string, ssh: SshSettings): Promise<Reach> {
    const alias = ssh.host ?? name;
    const config = await this.config(alias, ssh.host === undefined ? 'name' : 'ssh.host');
    const warnings = [...config.warnings];
    const target = this.target(config, { user: ssh.user, port: ssh.port, privateKey: ssh.privateKey }, 'root', warnings);
    const hops = ssh.proxyJump ?? this.configuredJumps(config, 'ssh.proxyJump');
    const jumps = await this.jumps(hops, warnings, 0);
    return { route: { target, jumps }, warnings: [...new Set(warnings)] };
  }

  /** The bastions of `hops`, each resolved through the config, its own ProxyJump (if any) before it. */
  private async jumps(hops: readonly JumpHop[], warnings: string[], depth: number): Promise<SshTarget[]> {
    const chain: SshTarget[] = [];
    for (const hop of hops) {
      if (depth + chain.length >= MAX_JUMPS) throw new Unreachable('ssh.proxyJump', `more than ${MAX_JUMPS} bastions in a row: is there a ProxyJump loop in the ssh config?`);
      const config = await this.config(hop.host, 'ssh.proxyJump');
      warnings.push(...config.warnings);
      // Only the first hop's own ProxyJump counts: a later hop is reached through the ones before it.
      if (chain.length === 0) chain.push(...(await this.jumps(this.configuredJumps(config, 'ssh.proxyJump'), warnings, depth + 1)));
      // A bastion's user is ssh's: the config's, else the local user (root is lvsplay's default for targets only).
      chain.push(this.target(config, { user: hop.user, port: hop.port as Port | undefined }, config.user.value, warnings));
    }
    return chain;
  }

  private configuredJumps(config: ResolvedSshConfig, field: string): readonly JumpHop[] {
    const proxy = config.proxy.value;
    if (proxy.kind === 'command') {
      throw new Unreachable(
        field,
        `${where(config.proxy.origin)} sets ProxyCommand for ${config.alias}, which lvsplay does not run (it never executes commands from an ssh config): use ProxyJump, or set ssh.proxyJump in the inventory`,
      );
    }
    return proxy.kind === 'jump' ? proxy.hops : [];
  }

  private target(config: ResolvedSshConfig, given: { user?: string | undefined; port?: Port | undefined; privateKey?: string | undefined }, defaultUser: string, warnings: string[]): SshTarget {
    const line = this.options.commandLine;
    const user = given.user ?? (config.user.origin.kind === 'file' ? config.user.value : defaultUser);
    const identityFiles = given.privateKey === undefined ? config.identityFiles.map((file) => file.value) : [];
    const knownHostsFile = line.knownHostsFile ?? config.userKnownHostsFiles?.value[0];
    if (line.knownHostsFile === undefined && config.userKnownHostsFiles?.value.length === 0) {
      throw new Unreachable(
        'ssh config',
        `${where(config.userKnownHostsFiles.origin)} sets UserKnownHostsFile none for ${config.alias}: lvsplay checks every host key, so it needs a known_hosts file`,
      );
    }
    const strict = config.strictHostKeyChecking;
    if (strict?.value === 'no') warnings.push(`${where(strict.origin)}: StrictHostKeyChecking no is taken as accept-new: lvsplay never connects to a host whose key changed`);
    const acceptNewHostKeys = line.acceptNewHostKeys ?? (strict === undefined ? undefined : strict.value === 'no' || strict.value === 'accept-new');
    const connectTimeout = line.connectTimeoutSeconds ?? config.connectTimeout?.value;
    const alive = config.serverAliveInterval?.value;
    return {
      host: config.hostName.value,
      port: (given.port ?? config.port.value) as Port,
      user,
      ...(given.privateKey !== undefined && { privateKey: given.privateKey }),
      ...(identityFiles.length > 0 && { identityFiles }),
      ...(config.identitiesOnly?.value === true && { identitiesOnly: true }),
      ...(knownHostsFile !== undefined && { knownHostsFile }),
      ...(acceptNewHostKeys !== undefined && { acceptNewHostKeys }),
      ...(connectTimeout !== undefined && { connectTimeoutMs: connectTimeout * 1000 }),
      ...(alive !== undefined && alive > 0 && { keepalive: { intervalMs: alive * 1000, countMax: config.serverAliveCountMax?.value ?? 3 } }),
    };
  }

  private config(alias: string, field: string): Promise<ResolvedSshConfig> {
    let known = this.configs.get(alias);
    if (!known) {
      known = resolveSshConfig(alias, { files: this.options.files, home: this.options.home, localUser: this.options.localUser, ...(this.options.env && { env: this.options.env }) });
      this.configs.set(alias, known);
    }
    return known.catch((error: unknown) => {
      if (error instanceof SshConfigError) throw new Unreachable(field === 'name' ? 'ssh config' : field, `the ssh config for ${alias}: ${error.problems.join('; ')}`);
      throw error;
    });
  }
}

function where(origin: ResolvedSshConfig['proxy']['origin']): string {
  return origin.kind === 'file' ? `${origin.path} line ${origin.line}` : 'the ssh config';
}
