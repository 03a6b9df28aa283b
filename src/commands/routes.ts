/**
 * The SSH side of `run` and `status`: the route to every selected host (inventory, ssh config, defaults:
 * src/ssh/reach.ts) with every key on the way checked, all before the first connection.
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../inventory/model.ts';
import { checkCredentials, type PassphraseAsker } from '../ssh/auth.ts';
import { sshConfigFiles } from '../ssh/config/index.ts';
import type { ConnectOptions } from '../ssh/connection.ts';
import { reachHosts } from '../ssh/reach.ts';
import type { SshRoute } from '../ssh/route.ts';
import { askHidden, NoTerminal, PromptInterrupted } from './terminal.ts';

/** The command line's SSH options; what is left unset there comes from the ssh config or the defaults. */
export interface SshCommandOptions {
  readonly knownHosts?: string;
  readonly acceptNewHostKeys?: boolean;
  /** Seconds; 15 when neither the command line nor the ssh config says. */
  readonly connectTimeout?: number;
  readonly commandTimeout: number;
  /** `--ssh-config FILE` (as ssh -F: only that file), or `none`; ~/.ssh/config and /etc/ssh/ssh_config by default. */
  readonly sshConfig?: string;
}

const DEFAULT_CONNECT_TIMEOUT_SECONDS = 15;

/**
 * A key's passphrase asked on the terminal as ssh asks it, once per key file for the whole command, one
 * prompt at a time; undefined without a terminal (the key is then reported as passphrase-protected).
 */
export function terminalPassphrases(): PassphraseAsker {
  const asked = new Map<string, Promise<string | undefined>>();
  let queue: Promise<unknown> = Promise.resolve();
  return (path) => {
    let answer = asked.get(path);
    if (!answer) {
      answer = queue.then(() =>
        askHidden(`Enter passphrase for key '${path}': `).catch((error: unknown) => {
          if (error instanceof NoTerminal || error instanceof PromptInterrupted) return undefined;
          throw error;
        }),
      );
      queue = answer;
      asked.set(path, answer);
    }
    return answer;
  };
}

/** The route to each host, by name; throws ReachError or CredentialError naming every host that has none. */
export async function routesTo(hosts: readonly Host[], options: SshCommandOptions, warn: (text: string) => void, passphrase?: PassphraseAsker): Promise<Map<string, SshRoute>> {
  const home = homedir();
  const reaches = await reachHosts(hosts, {
    files: sshConfigFiles(home, options.sshConfig),
    home,
    localUser: userInfo().username,
    commandLine: {
      ...(options.knownHosts !== undefined && { knownHostsFile: options.knownHosts }),
      ...(options.acceptNewHostKeys !== undefined && { acceptNewHostKeys: options.acceptNewHostKeys }),
      ...(options.connectTimeout !== undefined && { connectTimeoutSeconds: options.connectTimeout }),
    },
  });
  const routes = new Map([...reaches].map(([name, reach]) => [name, reach.route]));
  const warnings = [...new Set([...reaches.values()].flatMap((reach) => reach.warnings))];
  warnings.push(
    ...(await checkCredentials(
      [...routes].map(([name, route]) => ({ name, route })),
      process.env,
      home,
      passphrase,
    )),
  );
  for (const warning of warnings) warn(`lvsplay: warning: ${warning}\n`);
  return routes;
}

/** The run's own SSH settings, for what no host's route overrides. */
export function connectOptions(options: SshCommandOptions, passphrase?: PassphraseAsker): ConnectOptions {
  return {
    ...(passphrase && { passphrase }),
    knownHostsFile: options.knownHosts ?? join(homedir(), '.ssh', 'known_hosts'),
    acceptNewHostKeys: options.acceptNewHostKeys ?? false,
    connectTimeoutMs: (options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000,
    commandTimeoutMs: (options.commandTimeout + 15) * 1000,
  };
}
