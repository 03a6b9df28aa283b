/**
 * The folder `render --out` writes into, and the only way files get written there: every target is
 * checked to fall inside `<out>/<host>/`, folders are made one level at a time (Node's recursive
 * mkdir loops for ever under /proc), and nothing is opened that could block (a FIFO) or lead
 * elsewhere (a symbolic link below --out).
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Kernel filesystems: writing there changes the running system, or blocks, never makes a file. */
const KERNEL_FOLDERS = ['/proc', '/sys', '/dev'];

export class OutDirError extends Error {
  constructor(
    readonly out: string,
    reason: string,
    /** The --out given can never be written into (exit 2), as opposed to a write that failed (exit 1). */
    readonly usage: boolean,
  ) {
    super(`--out ${out}: ${reason}`);
    this.name = 'OutDirError';
  }
}

export interface OutDir {
  /** As the operator gave it, for messages. */
  readonly given: string;
  /** Absolute, symbolic links resolved: what targets are checked against. */
  readonly real: string;
}

/**
 * The folder --out names, refused when it is a file or a kernel filesystem, before anything is
 * created; it is created (with missing parents) by `create`.
 */
export async function outDir(given: string): Promise<OutDir> {
  const wanted = resolve(given);
  const { existing, missing } = await nearestExisting(given, wanted);
  const lookFailed = (error: NodeJS.ErrnoException): never => {
    throw new OutDirError(given, `cannot look at ${existing} (${describeErrno(error)})`, false);
  };
  const real = join(await realpath(existing).catch(lookFailed), ...missing);
  const kernel = KERNEL_FOLDERS.find((folder) => real === folder || real.startsWith(`${folder}/`));
  if (kernel) throw new OutDirError(given, `is under ${kernel}, a kernel filesystem: name a folder on disk`, true);
  const info = await stat(existing).catch(lookFailed);
  if (!info.isDirectory()) {
    const what = info.isFile() ? 'is a file, not a folder' : 'is not a folder';
    throw new OutDirError(given, existing === wanted ? what : `${existing} ${what}`, true);
  }
  return { given, real };
}

/** Makes the --out folder and any missing parents. */
export async function create(out: OutDir): Promise<void> {
  const { existing, missing } = await nearestExisting(out.given, out.real);
  let folder = existing;
  for (const part of missing) {
    folder = join(folder, part);
    await makeFolder(out, folder);
  }
}

/** Where `path` of `host` goes: `<out>/<host>/<path>`, refused when a name would lead anywhere else. */
export function targetOf(out: OutDir, host: string, path: string): string {
  const target = join(out.real, host, path);
  const [first, ...below] = relative(out.real, target).split(sep);
  if (first !== host || host === '..' || below.length === 0) {
    throw new OutDirError(out.given, `host ${JSON.stringify(host)}, ${path}: would be written to ${target}, not inside ${join(out.real, '<host>')}/`, false);
  }
  return target;
}

/** Writes one file at a target from `targetOf`, making the folders below --out it needs. */
export async function writeTarget(out: OutDir, target: string, content: string, mode: number): Promise<void> {
  const parts = relative(out.real, dirname(target)).split(sep);
  let folder = out.real;
  for (const part of parts) {
    folder = join(folder, part);
    await makeFolder(out, folder);
  }
  let file;
  try {
    // O_NOFOLLOW and O_NONBLOCK: a symbolic link is not followed out of --out, and a FIFO does not hang the write.
    file = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new OutDirError(out.given, `${target} is a symbolic link: lvsplay writes only files it made inside --out`, false);
    if (code === 'ENXIO') throw new OutDirError(out.given, `${target} is not a regular file`, false);
    throw new OutDirError(out.given, `cannot write ${target} (${describeErrno(error as NodeJS.ErrnoException)})`, false);
  }
  try {
    if (!(await file.stat()).isFile()) throw new OutDirError(out.given, `${target} is not a regular file`, false);
    await file.writeFile(content);
  } catch (error) {
    if (error instanceof OutDirError) throw error;
    throw new OutDirError(out.given, `cannot write ${target} (${describeErrno(error as NodeJS.ErrnoException)})`, false);
  } finally {
    await file.close();
  }
}

async function makeFolder(out: OutDir, folder: string): Promise<void> {
  try {
    await mkdir(folder);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new OutDirError(out.given, `cannot create ${folder} (${describeErrno(error as NodeJS.ErrnoException)})`, false);
    }
  }
  const info = await lstat(folder);
  if (info.isSymbolicLink()) throw new OutDirError(out.given, `${folder} is a symbolic link: lvsplay writes only into folders it made inside --out`, false);
  if (!info.isDirectory()) throw new OutDirError(out.given, `${folder} exists and is not a folder`, false);
}

/** The deepest ancestor of `path` (itself included) that exists, and the names below it that do not. */
async function nearestExisting(given: string, path: string): Promise<{ existing: string; missing: string[] }> {
  const missing: string[] = [];
  let existing = path;
  for (;;) {
    try {
      await lstat(existing);
      return { existing, missing };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(existing) === existing) {
        throw new OutDirError(given, `cannot look at ${existing} (${describeErrno(error as NodeJS.ErrnoException)})`, false);
      }
    }
    missing.unshift(existing.slice(dirname(existing).length).replace(/^\//, ''));
    existing = dirname(existing);
  }
}

/** "read-only file system" from Node's "EROFS: read-only file system, mkdir '/x'". */
function describeErrno(error: NodeJS.ErrnoException): string {
  return /^[A-Z0-9]+: ([^,]+)/.exec(error.message)?.[1] ?? error.code ?? error.message;
}
