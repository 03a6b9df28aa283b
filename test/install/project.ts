/**
 * An operator's own project in a temporary folder that installed lvsplay from the tarball `npm pack`
 * makes, as `npm i lvsplay` would lay it out, with no network: npm takes every package from the cache
 * that `npm ci` filled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface LockEntry {
  readonly dev?: boolean;
  readonly version?: string;
  readonly license?: string;
  readonly dependencies?: Record<string, string>;
  readonly bin?: Record<string, string>;
  readonly engines?: Record<string, string>;
}

interface Lockfile {
  readonly packages: Record<string, LockEntry>;
}

const COMMAND_TIMEOUT_MS = 120_000;
const running = new Set<ChildProcess>();

/**
 * Runs a command in its own process group, so that a timeout (or stopCommands) also ends what npx and
 * npm start under it. The environment is this one's without npm's: run under `npm test`, npm_config_*
 * (local_prefix among them) would point the project's npm at this repository instead.
 */
export function command(file: string, args: readonly string[], cwd: string, tmp: string): Promise<Result> {
  const env: NodeJS.ProcessEnv = {
    PATH: (process.env.PATH ?? '')
      .split(':')
      .filter((dir) => !dir.endsWith('node_modules/.bin'))
      .join(':'),
    HOME: process.env.HOME,
    // jiti's transform cache and anything else the commands put in the temporary folder go with the test's.
    TMPDIR: tmp,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => killGroup(child), COMMAND_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Ends every command still running, with the processes it started. */
export function stopCommands(): void {
  for (const child of running) killGroup(child);
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** `npm pack` of this repository into `dir` (its prepack builds the declarations); returns the tarball's name. */
export async function pack(dir: string, tmp: string): Promise<string> {
  const result = await command('npm', ['pack', '--pack-destination', dir], ROOT, tmp);
  if (result.code !== 0) throw new Error(`npm pack failed (${result.code}):\n${result.stderr}`);
  const tarballs = (await readdir(dir)).filter((name) => name.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${dir}`);
  return tarballs[0]!;
}

/**
 * The lockfile of a project whose one dependency is lvsplay from `tarball`: lvsplay's own lock without its
 * dev packages, which is the tree `npm i` lays out (the same hoisting). With it npm needs no registry
 * metadata, only the packages' tarballs, which the cache holds: the metadata `npm install` asks for
 * (full documents, not the abbreviated ones of `npm ci`) is not there, so `npm install --offline` fails.
 */
export function projectLock(name: string, tarball: string, lvsplayLock: Lockfile): object {
  const root = lvsplayLock.packages['']!;
  const packages: Record<string, object> = {
    '': { name, dependencies: { lvsplay: tarball } },
    'node_modules/lvsplay': {
      version: root.version,
      resolved: tarball,
      license: root.license,
      dependencies: root.dependencies,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const [path, entry] of Object.entries(lvsplayLock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  return { name, lockfileVersion: 3, requires: true, packages };
}

/**
 * Creates `project` with its own package.json and installs the tarball there. Install scripts are off:
 * the only ones are ssh2's optional native crypto (ssh2, cpu-features), which ssh2 does without, whose
 * build takes most of a minute on two cores and whose node-gyp may download Node's headers.
 */
export async function installTarball(project: string, tarballPath: string, tmp: string): Promise<void> {
  const name = 'lb-inventories';
  const tarball = `file:${relative(project, tarballPath)}`;
  await mkdir(project, { recursive: true });
  await writeFile(join(project, 'package.json'), `${JSON.stringify({ name, private: true, dependencies: { lvsplay: tarball } }, null, 2)}\n`);
  const lvsplayLock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  await writeFile(join(project, 'package-lock.json'), `${JSON.stringify(projectLock(name, tarball, lvsplayLock), null, 2)}\n`);
  const result = await command('npm', ['ci', '--offline', '--ignore-scripts'], project, tmp);
  if (result.code !== 0) {
    throw new Error(`npm ci --offline of the tarball failed (${result.code}; ENOTCACHED names a package missing from the npm cache):\n${result.stderr}`);
  }
}
