// The one Debian tree every fleet container boots (read-only, under --volatile=overlay), built once with
// mmdebstrap and cached by a hash of its recipe. A build goes to a temp folder next to the cache entry and
// is renamed into place only when complete, so an interrupted build never leaves a tree a later run trusts.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isAlive, runOk } from './proc.ts';

export interface FleetRootfs {
  /** The cache entry. */
  readonly dir: string;
  /** The tree systemd-nspawn boots (`-D`). */
  readonly root: string;
  /** Private key whose public half is root's only authorized key in the tree. */
  readonly privateKey: string;
}

// What goes into the tree. Besides the brief's list: python3, because Ansible's modules need it on the
// hosts (the Ansible figures run against this same tree); nothing else.
const PACKAGES = ['systemd-sysv', 'openssh-server', 'iproute2', 'dbus', 'procps', 'kmod', 'ipvsadm', 'python3'];

const SSHD_CONFIG = `# fleet: root with the fleet key only, no DNS lookup of the client (there is no DNS)
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
`;

// The container's address comes from /etc/fleet/net.env, bind-mounted per container. nspawn moves host0
// into the container before init starts, but DESIGN saw 1 boot in 50 lose the address to a race with the
// link: so wait for host0, set the address, and check it is there, retrying until it sticks.
const NET_SCRIPT = `#!/bin/sh
set -u
. /etc/fleet/net.env
[ -n "\${FLEET_ADDRESS:-}" ] || { echo "fleet-net: no FLEET_ADDRESS in /etc/fleet/net.env" >&2; exit 1; }
ip link set lo up
i=0
while :; do
  if [ -e /sys/class/net/host0 ]; then
    ip link set host0 up 2>/dev/null
    ip address replace "$FLEET_ADDRESS" dev host0 2>/dev/null
    if ip -o -4 address show dev host0 | grep -q " \${FLEET_ADDRESS} "; then exit 0; fi
  fi
  i=$((i + 1))
  if [ "$i" -gt 600 ]; then echo "fleet-net: could not put $FLEET_ADDRESS on host0 in 60 s" >&2; ip -o link >&2; exit 1; fi
  sleep 0.1
done
`;

const NET_UNIT = `[Unit]
Description=Fleet address on host0
Before=network.target ssh.service
Wants=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/fleet-net

[Install]
WantedBy=multi-user.target
`;

// Runs as mmdebstrap's customize hook: $1 is the new root, $2 the folder with the files above.
const CUSTOMIZE = `#!/bin/sh
set -eu
root=$1
files=$2
install -m 0644 "$files/sshd.conf" "$root/etc/ssh/sshd_config.d/fleet.conf"
install -m 0755 "$files/fleet-net" "$root/usr/local/sbin/fleet-net"
install -m 0644 "$files/fleet-net.service" "$root/etc/systemd/system/fleet-net.service"
install -d -m 0755 "$root/etc/fleet"
: > "$root/etc/fleet/net.env"
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$files/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
chroot "$root" systemctl enable fleet-net.service ssh.service
# Hundreds of these boot at once on two cores: nothing runs that a benchmark host does not need.
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \\
  fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service console-getty.service getty.target \\
  systemd-logind.service man-db.timer
mkdir -p "$root/etc/systemd/system.conf.d"
printf '[Manager]\\nDefaultTimeoutStopSec=10s\\n' > "$root/etc/systemd/system.conf.d/fleet.conf"
rm -f "$root/etc/hostname"
printf '127.0.0.1 localhost\\n::1 localhost ip6-localhost ip6-loopback\\n' > "$root/etc/hosts"
`;

const RECIPE = {
  suite: 'bookworm',
  variant: 'minbase',
  packages: PACKAGES,
  dpkgOptions: ['path-exclude=/usr/share/man/*', 'path-exclude=/usr/share/doc/*', 'path-exclude=/usr/share/locale/*', 'path-exclude=/usr/share/info/*'],
  aptOptions: ['Acquire::Check-Valid-Until "false"', 'Acquire::Retries "3"'],
  files: { 'sshd.conf': SSHD_CONFIG, 'fleet-net': NET_SCRIPT, 'fleet-net.service': NET_UNIT, 'customize.sh': CUSTOMIZE },
};

export function recipeHash(): string {
  return createHash('sha256').update(JSON.stringify(RECIPE)).digest('hex').slice(0, 16);
}

export function fleetCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lvsplay-fleet');
}

function rootfsAt(dir: string): FleetRootfs {
  return { dir, root: join(dir, 'rootfs'), privateKey: join(dir, 'id_ed25519') };
}

function isComplete(rootfs: FleetRootfs): boolean {
  return [join(rootfs.root, 'usr/sbin/sshd'), join(rootfs.root, 'root/.ssh/authorized_keys'), rootfs.privateKey].every((f) => existsSync(f));
}

let pending: Promise<FleetRootfs> | undefined;

/** The cached tree for the current recipe, built first when there is none. */
export function ensureRootfs(log: (line: string) => void): Promise<FleetRootfs> {
  pending ??= findOrBuild(log);
  return pending;
}

async function findOrBuild(log: (line: string) => void): Promise<FleetRootfs> {
  const rootfs = rootfsAt(join(fleetCacheRoot(), recipeHash()));
  if (isComplete(rootfs)) return rootfs;
  const started = Date.now();
  log(`fleet: building the container tree ${rootfs.dir} (mmdebstrap, about a minute; cached afterwards)`);
  await build(rootfs.dir);
  log(`fleet: tree built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await pruneOthers(rootfs.dir, log);
  return rootfs;
}

async function build(finalDir: string): Promise<void> {
  await mkdir(dirname(finalDir), { recursive: true });
  const work = await mkdtemp(join(dirname(finalDir), `.build-${process.pid}-`));
  try {
    // apt inside mmdebstrap's user namespace must be able to enter the folder and read the files.
    await chmod(work, 0o755);
    const files = join(work, 'files');
    await mkdir(files, { mode: 0o755 });
    for (const [name, text] of Object.entries(RECIPE.files)) await writeFile(join(files, name), text, { mode: 0o644 });
    const key = join(work, 'id_ed25519');
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lvsplay-fleet', '-f', key]);
    await runOk('cp', [`${key}.pub`, join(files, 'id_ed25519.pub')]);
    await chmod(join(files, 'id_ed25519.pub'), 0o644);

    // unshare mode keeps the build's mounts in a namespace of its own (a killed build leaves none behind);
    // a tarball keeps the owners right, which a directory made in a user namespace would not.
    const tarball = join(work, 'rootfs.tar');
    await runOk(
      'mmdebstrap',
      [
        '--mode=unshare',
        '--quiet',
        `--variant=${RECIPE.variant}`,
        `--include=${RECIPE.packages.join(',')}`,
        ...RECIPE.aptOptions.map((o) => `--aptopt=${o}`),
        ...RECIPE.dpkgOptions.map((o) => `--dpkgopt=${o}`),
        `--customize-hook=sh ${shq(join(files, 'customize.sh'))} "$1" ${shq(files)}`,
        RECIPE.suite,
        tarball,
      ],
      { timeoutMs: 15 * 60_000 },
    );
    const root = join(work, 'rootfs');
    await mkdir(root, { mode: 0o755 });
    await runOk('tar', ['-C', root, '--numeric-owner', '-xpf', tarball]);
    await rm(tarball);
    await rm(files, { recursive: true });
    await writeFile(join(work, 'recipe.json'), `${JSON.stringify(RECIPE, null, 2)}\n`);
    try {
      await rename(work, finalDir);
    } catch (error) {
      // Another process finished the same recipe first: use its tree.
      if (!isComplete(rootfsAt(finalDir))) throw error;
      await rm(work, { recursive: true, force: true });
    }
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

/** Trees of older recipes, and build folders of builds that were killed. */
async function pruneOthers(keep: string, log: (line: string) => void): Promise<void> {
  const root = dirname(keep);
  for (const name of await readdir(root)) {
    const path = join(root, name);
    const buildPid = /^\.build-(\d+)-/.exec(name)?.[1];
    const isTree = /^[0-9a-f]{16}$/.test(name);
    if (path === keep || (!isTree && buildPid === undefined)) continue;
    if (buildPid !== undefined && isAlive(Number(buildPid))) continue;
    log(`fleet: removing stale ${path}`);
    await rm(path, { recursive: true, force: true });
  }
}

/** Single-quoted for sh. */
export function shq(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
