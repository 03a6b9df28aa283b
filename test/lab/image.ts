// The one disk image every lab VM boots (as a qcow2 overlay), built once and cached.
//
// The cache key is a hash of everything that goes into the image (package list, options,
// the files in guest/), so editing the recipe rebuilds instead of booting a stale image.
// A build happens in a temp dir next to the cache entry and is renamed into place only when
// complete: an interrupted build never leaves a half image that a later run would trust.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHostTools, LabSetupError } from './deps.ts';
import { isAlive, log, removeDir, runOk, trackDir, untrackDir } from './proc.ts';
import { GUEST_APT_SOURCE, indexRepo, REPO_PACKAGES } from './repo.ts';

export interface LabImage {
  dir: string;
  /** Raw ext4 root file system; read-only backing file of the per-VM overlays. */
  rootfs: string;
  kernel: string;
  initrd: string;
  /** Private key whose public half is root's authorized_keys in the image. */
  privateKey: string;
  /** The flat repository of REPO_PACKAGES (repo.ts), indexed: what the VMs install from. */
  repo: string;
}

const GUEST_DIR = join(dirname(fileURLToPath(import.meta.url)), 'guest');

const RECIPE = {
  suite: 'bookworm',
  variant: 'minbase',
  // No ipvsadm nor keepalived: lvsplay installs them (from `repo`), as on a bare host. sudo is for the bastion
  // lab's deploy user (bastion.ts); the other labs log in as root and never run it.
  packages: ['systemd-sysv', 'openssh-server', 'iproute2', 'curl', 'busybox-static', 'kmod', 'linux-image-cloud-amd64', 'procps', 'udev', 'sudo'],
  repo: REPO_PACKAGES,
  // Documentation is dead weight in a lab image and slows mkfs.
  dpkgOptions: ['path-exclude=/usr/share/man/*', 'path-exclude=/usr/share/doc/*', 'path-exclude=/usr/share/locale/*', 'path-exclude=/usr/share/info/*'],
  // The build host's apt config may tolerate an old Release file; be as tolerant.
  aptOptions: ['Acquire::Check-Valid-Until "false"', 'Acquire::Retries "3"'],
  size: '1536M',
};

function recipeHash(): string {
  const hash = createHash('sha256').update(JSON.stringify(RECIPE));
  for (const name of readdirSync(GUEST_DIR).sort()) {
    hash.update(`\0${name}\0`).update(readFileSync(join(GUEST_DIR, name)));
  }
  return hash.digest('hex').slice(0, 16);
}

export function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lvsplay-lab');
}

function imageAt(dir: string): LabImage {
  return {
    dir,
    rootfs: join(dir, 'rootfs.raw'),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    privateKey: join(dir, 'id_ed25519'),
    repo: join(dir, 'repo'),
  };
}

function isComplete(image: LabImage): boolean {
  return [image.rootfs, image.kernel, image.initrd, image.privateKey, join(image.repo, 'Packages')].every((file) => existsSync(file));
}

let pending: Promise<LabImage> | undefined;

/** The cached image for the current recipe, building it first if needed. */
export function ensureImage(): Promise<LabImage> {
  pending ??= findOrBuild();
  return pending;
}

async function findOrBuild(): Promise<LabImage> {
  const image = imageAt(join(cacheRoot(), recipeHash()));
  if (isComplete(image)) return image;
  await ensureHostTools();
  if (process.getuid?.() !== 0) throw new LabSetupError('building the lab image needs root (mmdebstrap, mkfs.ext4 -d)');
  const started = Date.now();
  log(`image: building ${image.dir} (cached for later runs)`);
  await build(image.dir);
  log(`image: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await pruneOthers(image.dir);
  return image;
}

async function build(finalDir: string): Promise<void> {
  await mkdir(dirname(finalDir), { recursive: true });
  const work = await mkdtemp(join(dirname(finalDir), `.build-${process.pid}-`));
  trackDir(work);
  try {
    // apt inside mmdebstrap downloads as _apt, which cannot enter mkdtemp's 0700 dir.
    await chmod(work, 0o755);
    const key = join(work, 'id_ed25519');
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lvsplay-lab', '-f', key]);

    const rootDir = join(work, 'rootfs');
    const repo = join(work, 'repo');
    await mkdir(repo);
    await chmod(repo, 0o755);
    log('image: mmdebstrap (downloads and unpacks Debian; about a minute)');
    await runOk(
      'mmdebstrap',
      [
        // unshare mode keeps its /proc and /dev mounts in a private mount namespace, so a
        // killed build cannot leave mounts behind in the work dir.
        '--mode=unshare',
        `--variant=${RECIPE.variant}`,
        `--include=${RECIPE.packages.join(',')}`,
        ...RECIPE.aptOptions.map((option) => `--aptopt=${option}`),
        ...RECIPE.dpkgOptions.map((option) => `--dpkgopt=${option}`),
        // The packages lvsplay installs, with what they need beyond the image, downloaded into the new root
        // (its apt knows what it has) and copied out as the lab's repository; mmdebstrap then empties its cache.
        `--customize-hook=chroot "$1" apt-get install --download-only -y -q --no-install-recommends ${RECIPE.repo.join(' ')}`,
        `--customize-hook=sync-out /var/cache/apt/archives ${shq(repo)}`,
        `--customize-hook=sh ${shq(join(GUEST_DIR, 'customize.sh'))} "$1" ${shq(GUEST_DIR)} ${shq(`${key}.pub`)} ${shq(GUEST_APT_SOURCE)}`,
        RECIPE.suite,
        rootDir,
      ],
      { onLine: (line) => log(`image: mmdebstrap: ${line}`) },
    );

    const debs = await indexRepo(repo);
    if (!RECIPE.repo.every((name) => debs.some((deb) => deb.startsWith(`${name}_`)))) throw new LabSetupError(`image: the repository lacks some of ${RECIPE.repo.join(', ')} (has ${debs.join(' ')})`);
    log(`image: repository of ${debs.length} packages for ${RECIPE.repo.join(', ')}`);

    const boot = await readdir(join(rootDir, 'boot'));
    const kernel = boot.find((name) => name.startsWith('vmlinuz-'));
    // Built by guest/customize.sh: see lab-initrd-init.
    const initrd = boot.find((name) => name === 'lab-initrd.img');
    if (!kernel || !initrd) throw new LabSetupError(`image: no kernel or initrd in /boot (found: ${boot.join(' ')})`);
    await copyFile(join(rootDir, 'boot', kernel), join(work, 'vmlinuz'));
    await copyFile(join(rootDir, 'boot', initrd), join(work, 'initrd.img'));

    log(`image: mkfs.ext4 -d (${RECIPE.size})`);
    await runOk('mkfs.ext4', ['-q', '-F', '-L', 'lvsplay-lab', '-d', rootDir, join(work, 'rootfs.raw'), RECIPE.size]);
    await removeDir(rootDir);
    await writeFile(join(work, 'recipe.json'), `${JSON.stringify({ ...RECIPE, kernel, initrd }, null, 2)}\n`);

    try {
      await rename(work, finalDir);
      untrackDir(work);
    } catch (error) {
      // Another process finished the same recipe first: use its image, drop ours.
      if (!isComplete(imageAt(finalDir))) throw error;
      await removeDir(work);
    }
  } catch (error) {
    await removeDir(work);
    throw error;
  }
}

/** Drop images of older recipes and build dirs left by builds that were killed. */
async function pruneOthers(keep: string): Promise<void> {
  const root = dirname(keep);
  for (const name of await readdir(root)) {
    const path = join(root, name);
    const buildPid = /^\.build-(\d+)-/.exec(name)?.[1];
    const isImage = /^[0-9a-f]{16}$/.test(name);
    if (path === keep || (!isImage && buildPid === undefined)) continue;
    if (buildPid !== undefined && isAlive(Number(buildPid))) continue;
    log(`image: removing stale ${path}`);
    await removeDir(path);
  }
}

/** Single-quote for sh. */
export function shq(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
