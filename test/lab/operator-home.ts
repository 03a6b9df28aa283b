// An operator's home for a bastion lab (issue 13): `~/.ssh/config` naming the bastion and every managed host
// by its alias, a known_hosts holding each VM's own host key, and an ssh-agent holding the lab key, which is
// nowhere in the home itself. What `ssh rs1` needs, and what lvsplay is meant to read the way ssh does.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BastionSide, Lab, TopologyName } from './lab.ts';
import { removeDir, run, spawnTracked, terminate, trackDir } from './proc.ts';
import type { SshRoute } from './ssh.ts';

export interface OperatorHome {
  /** The temporary HOME. */
  readonly home: string;
  /** `<home>/.ssh/config`. */
  readonly sshConfig: string;
  /** `<home>/.ssh/known_hosts`: the bastion as `[127.0.0.1]:PORT`, the others by lab address. */
  readonly knownHosts: string;
  /** The agent's socket (`<home>/agent.sock`), holding the lab key. */
  readonly sshAuthSock: string;
  /** HOME and SSH_AUTH_SOCK, to lay over process.env for what runs as the operator. */
  readonly env: { readonly HOME: string; readonly SSH_AUTH_SOCK: string };
  /** The aliases the config names: the bastion's, then each managed host's (its inventory name). */
  readonly aliases: readonly string[];
  /** Stops the agent and removes the home; safe to call more than once. */
  cleanup(): Promise<void>;
}

/** Text of `~/.ssh/config`: each host's address and user, the host it is reached through as ProxyJump (the bastion), known_hosts by path. */
export function sshConfigText(bastion: BastionSide, hosts: Readonly<Record<string, SshRoute>>, knownHosts: string): string {
  const all: [string, SshRoute][] = [[bastion.host, bastion.access], ...Object.entries(hosts)];
  const aliasOf = (hop: SshRoute): string => {
    const found = all.find(([, route]) => route.host === hop.host && route.port === hop.port);
    if (!found) throw new Error(`no alias for ${hop.host}:${hop.port}, which the lab routes through`);
    return found[0];
  };
  const entry = (alias: string, route: SshRoute) => [
    `Host ${alias}`,
    `  HostName ${route.host}`,
    ...(route.port === 22 ? [] : [`  Port ${route.port}`]),
    `  User ${route.user}`,
    ...(route.via ? [`  ProxyJump ${aliasOf(route.via)}`] : []),
    '',
  ];
  return [
    '# An operator of the dr-bastion lab (test/lab/operator-home.ts). The key is in the ssh-agent only.',
    '',
    ...all.flatMap(([alias, route]) => entry(alias, route)),
    'Host *',
    '  StrictHostKeyChecking yes',
    // By path: OpenSSH takes `~` from the passwd entry, not from $HOME, and this home is only a $HOME.
    `  UserKnownHostsFile ${knownHosts}`,
    '',
  ].join('\n');
}

/** known_hosts lines: the bastion at its forwarded port, every managed host at its lab address. */
export function knownHostsText(bastion: BastionSide, hosts: Readonly<Record<string, SshRoute>>): string {
  const keyOf = (host: string): string => {
    const key = bastion.hostKeys[host];
    if (!key) throw new Error(`the lab has no host key of ${host}`);
    return key;
  };
  return [
    `[${bastion.access.host}]:${bastion.access.port} ${keyOf(bastion.host)}`,
    ...Object.entries(hosts).map(([host, route]) => `${route.port === 22 ? route.host : `[${route.host}]:${route.port}`} ${keyOf(host)}`),
    '',
  ].join('\n');
}

/** A temporary operator HOME for a bastion lab, with an ssh-agent holding the lab key. Call cleanup() after. */
export async function operatorHome(lab: Lab<TopologyName>): Promise<OperatorHome> {
  const bastion = lab.bastion;
  if (!bastion) throw new Error(`lab ${lab.topology} has no bastion: an operator home is for a bastion lab (topologies.ts)`);
  const hosts = lab.access as Readonly<Record<string, SshRoute>>;
  const home = await mkdtemp(join(tmpdir(), 'lvsplay-operator-'));
  trackDir(home);
  const ssh = join(home, '.ssh');
  const sshConfig = join(ssh, 'config');
  const knownHosts = join(ssh, 'known_hosts');
  const sshAuthSock = join(home, 'agent.sock');
  // -D: the agent stays in the foreground, a child the lab tracks (and kills with this process), not a daemon.
  const agent = spawnTracked('ssh-agent', ['-D', '-a', sshAuthSock]);
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      await terminate(agent, 2000);
      await removeDir(home);
    })();
    return cleaning;
  };
  try {
    await mkdir(ssh, { mode: 0o700 });
    await writeFile(sshConfig, sshConfigText(bastion, hosts, knownHosts), { mode: 0o600 });
    await writeFile(knownHosts, knownHostsText(bastion, hosts), { mode: 0o644 });
    await chmod(home, 0o700);
    await untilExists(sshAuthSock, 10_000, () => (agent.exitCode === null ? undefined : `ssh-agent exited (${agent.exitCode})`));
    const added = await run('ssh-add', ['-q', lab.privateKey], { env: { ...process.env, SSH_AUTH_SOCK: sshAuthSock } });
    if (added.code !== 0) throw new Error(`ssh-add ${lab.privateKey} failed: ${added.stderr.trim()}`);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return {
    home,
    sshConfig,
    knownHosts,
    sshAuthSock,
    env: { HOME: home, SSH_AUTH_SOCK: sshAuthSock },
    aliases: [bastion.host, ...Object.keys(hosts)],
    cleanup,
  };
}

async function untilExists(path: string, timeoutMs: number, failure: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    const reason = failure();
    if (reason) throw new Error(reason);
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}
