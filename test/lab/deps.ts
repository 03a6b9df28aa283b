// Host tools the lab needs, installed from Debian's packages when missing, so a fresh machine
// (or CI) needs no manual setup. Missing tools that cannot be installed are a hard error:
// an end-to-end test must fail, not silently skip, when its lab cannot exist.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { log, run } from './proc.ts';

/** Command → Debian package that provides it. */
const TOOLS: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-img': 'qemu-utils',
  mmdebstrap: 'mmdebstrap',
  vde_switch: 'vde2',
  'mkfs.ext4': 'e2fsprogs',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
};

export class LabSetupError extends Error {
  override name = 'LabSetupError';
}

export function which(command: string): string | undefined {
  // sbin is not on every PATH (mkfs.ext4 lives there), so look there too.
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

function missingPackages(): string[] {
  return [
    ...new Set(
      Object.entries(TOOLS)
        .filter(([cmd]) => !which(cmd))
        .map(([, pkg]) => pkg),
    ),
  ];
}

let ensured: Promise<void> | undefined;

/** Make sure every host tool is there; installs the missing packages with apt-get once. */
export function ensureHostTools(): Promise<void> {
  ensured ??= install();
  return ensured;
}

async function install(): Promise<void> {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const hint = `the lab needs the Debian packages: ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) throw new LabSetupError(`${hint}; not root, so they cannot be installed here`);
  if (!which('apt-get')) throw new LabSetupError(`${hint}; apt-get is not available to install them`);
  // Install what the brief lists as a whole, not only what is missing, so every machine
  // ends up with the same set.
  const packages = ['qemu-system-x86', 'qemu-utils', 'mmdebstrap', 'vde2', 'e2fsprogs', 'openssh-client'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const onLine = (line: string) => log(`apt: ${line}`);
  log(`installing ${packages.join(' ')} (missing: ${missing.join(' ')})`);
  const update = await run('apt-get', ['update'], { env, onLine });
  if (update.code !== 0) throw new LabSetupError(`${hint}; apt-get update failed (exit ${update.code})`);
  const result = await run('apt-get', ['install', '-y', ...packages], { env, onLine });
  if (result.code !== 0) throw new LabSetupError(`${hint}; apt-get install failed (exit ${result.code})`);
  const still = missingPackages();
  if (still.length > 0) throw new LabSetupError(`${hint}; still missing after apt-get install: ${still.join(' ')}`);
}
