/** Reading and appending the known_hosts file; the rules themselves are in known-hosts.ts. */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** The file's text; a missing file is an empty one (nothing known yet), as for ssh. */
export async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** One queue per file: connections of one run that accept keys at once append one after another. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Appends `line` unless the file already has it; creates the file (mode 600) and its folder (700).
 * Returns whether it wrote. In this process appends are queued, so two hosts accepted at once cannot
 * interleave or both add the same line; another process appending at the same moment cannot corrupt
 * the file either, because each line is one write() on an O_APPEND descriptor.
 */
export function addKnownHost(file: string, line: string): Promise<boolean> {
  return inQueue(resolve(file), async () => {
    const text = await readKnownHosts(file);
    if (text.split(/\r?\n/).includes(line)) return false;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // A file whose last line has no newline would otherwise glue our line onto it.
    const separator = text === '' || text.endsWith('\n') ? '' : '\n';
    await appendFile(file, `${separator}${line}\n`, { mode: 0o600 });
    return true;
  });
}

function inQueue<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const settled = run.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}
