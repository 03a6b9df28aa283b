// Host tools the fleet and the scale tier need, installed from Debian's packages when missing (once, as
// root): a fresh machine needs no manual setup, and a tool that cannot be had is a clear error.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { run } from './proc.ts';

/** Command → Debian package. */
export const FLEET_TOOLS: Readonly<Record<string, string>> = {
  'systemd-nspawn': 'systemd-container',
  mmdebstrap: 'mmdebstrap',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  ip: 'iproute2',
  setpriv: 'util-linux',
  nsenter: 'util-linux',
  tar: 'tar',
};

export function which(command: string): string | undefined {
  const path = `${process.env.PATH ?? ''}${delimiter}/usr/sbin${delimiter}/sbin`;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

const installs = new Map<string, Promise<void>>();

/** Makes sure every command in `tools` (command → package) exists, installing the packages of those missing. */
export function ensureTools(tools: Readonly<Record<string, string>>, log: (line: string) => void): Promise<void> {
  const missing = [
    ...new Set(
      Object.entries(tools)
        .filter(([command]) => !which(command))
        .map(([, pkg]) => pkg),
    ),
  ].sort();
  if (missing.length === 0) return Promise.resolve();
  const key = missing.join(' ');
  let pending = installs.get(key);
  if (!pending) {
    pending = install(missing, tools, log);
    installs.set(key, pending);
  }
  return pending;
}

async function install(packages: readonly string[], tools: Readonly<Record<string, string>>, log: (line: string) => void): Promise<void> {
  const hint = `needs the Debian packages ${packages.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`the fleet ${hint}; not root, so they cannot be installed here`);
  if (!which('apt-get')) throw new Error(`the fleet ${hint}; apt-get is not available to install them`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`fleet: apt-get install ${packages.join(' ')}`);
  const update = await run('apt-get', ['update', '-qq'], { env });
  if (update.code !== 0) throw new Error(`the fleet ${hint}; apt-get update failed: ${update.stderr.trim()}`);
  const result = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
  if (result.code !== 0) throw new Error(`the fleet ${hint}; apt-get install failed: ${result.stderr.trim()}`);
  const still = Object.entries(tools)
    .filter(([command]) => !which(command))
    .map(([command]) => command);
  if (still.length > 0) throw new Error(`the fleet ${hint}; still missing after apt-get install: ${still.join(' ')}`);
}
