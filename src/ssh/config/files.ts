/** Which config files ssh reads, reading one as ssh would, and the files an Include names. */
import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SshConfigFile } from './model.ts';

export const SYSTEM_CONFIG = '/etc/ssh/ssh_config';

/**
 * The files ssh reads, in its order: `~/.ssh/config` (owner and mode checked, may be missing) then
 * /etc/ssh/ssh_config, whose Host * lines apply after the user's, as `ssh HOST` does. A named file
 * (ssh -F, lvsplay --ssh-config) replaces both and must exist; `none` reads no file at all.
 */
export function sshConfigFiles(home: string, namedFile?: string): SshConfigFile[] {
  if (namedFile !== undefined) {
    return namedFile.toLowerCase() === 'none' ? [] : [{ path: namedFile, scope: 'user', required: true, checkPermissions: false }];
  }
  return [
    { path: join(home, '.ssh', 'config'), scope: 'user', required: false, checkPermissions: true },
    { path: SYSTEM_CONFIG, scope: 'system', required: false, checkPermissions: false },
  ];
}

export type ReadResult = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'missing' } | { readonly kind: 'problem'; readonly message: string };

/** The file's text; a folder reads as empty (ssh's fopen accepts it and reads no line). */
export async function readConfigText(path: string, checkPermissions: boolean, uid: number): Promise<ReadResult> {
  let file;
  try {
    // Non-blocking: a FIFO named as a config file must not hold the run waiting for a writer.
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'problem', message: `cannot read ${path} (${code})` };
  }
  try {
    const stats = await file.stat();
    if (checkPermissions && ((stats.uid !== 0 && stats.uid !== uid) || (stats.mode & 0o022) !== 0)) {
      return { kind: 'problem', message: `bad owner or permissions on ${path}: ssh refuses a config file another user owns or that group or others may write` };
    }
    if (stats.isDirectory()) return { kind: 'text', text: '' };
    if (!stats.isFile()) return { kind: 'problem', message: `${path} is not a regular file` };
    return { kind: 'text', text: await file.readFile('utf8') };
  } catch (error) {
    return { kind: 'problem', message: `cannot read ${path} (${(error as NodeJS.ErrnoException).code})` };
  } finally {
    await file.close();
  }
}

/** The existing paths an absolute glob(3) pattern (`*`, `?`, `[...]`) names, sorted as glob sorts them. */
export async function globPaths(pattern: string): Promise<string[]> {
  let paths = ['/'];
  const segments = pattern.split('/').filter((segment) => segment !== '');
  for (const segment of segments) {
    const next: string[] = [];
    for (const base of paths) next.push(...(await expandSegment(base, segment)));
    paths = next;
  }
  const existing: string[] = [];
  for (const path of paths) if (await exists(path)) existing.push(path);
  return existing.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function expandSegment(base: string, segment: string): Promise<string[]> {
  if (!/[*?[]/.test(segment)) return [join(base, segment)];
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return [];
  }
  const regex = segmentRegex(segment);
  // As glob(3): a leading dot is matched only by a pattern that starts with one.
  return names.filter((name) => (segment.startsWith('.') || !name.startsWith('.')) && regex.test(name)).map((name) => join(base, name));
}

function segmentRegex(segment: string): RegExp {
  let regex = '';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i]!;
    if (char === '*') regex += '.*';
    else if (char === '?') regex += '.';
    else if (char === '[' && segment.indexOf(']', i + 2) > 0) {
      const end = segment.indexOf(']', i + 2);
      const body = segment.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      regex += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (char === '\\' && i + 1 < segment.length) regex += escapeRegex(segment[++i]!);
    else regex += escapeRegex(char);
  }
  return new RegExp(`^${regex}$`, 's');
}

function escapeRegex(char: string): string {
  return char.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
