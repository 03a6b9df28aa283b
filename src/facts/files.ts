import { quote } from '../ssh/quote.ts';
import { FactError, type Fact } from './fact.ts';

export type FileState = { readonly exists: false } | { readonly exists: true; readonly mode: number; readonly sha256: string };

/**
 * Mode and SHA-256 of each managed file: enough to decide an upload without reading the file. One `stat`
 * and one `sha256sum` for all the files, since on a slow host each process start costs more than hashing.
 */
export function filesFact(paths: readonly string[]): Fact<Map<string, FileState>> {
  return { name: 'files', command: `${fileStatesFunction('lvsplay_files', paths.map(quote).join(' '))}\nlvsplay_files`, parse: parseFileStates };
}

/** A shell function `name` that prints the states of the files `words` (shell words) name. */
export function fileStatesFunction(name: string, words: string): string {
  return [
    `${name}() {`,
    `  for f in ${words}; do`,
    '    if [ -f "$f" ]; then set -- "$@" "$f"; else printf \'missing %s\\n\' "$f"; fi',
    '  done',
    '  [ $# -eq 0 ] || { stat -c \'%a %n\' -- "$@" && sha256sum -- "$@"; }',
    '}',
  ].join('\n');
}

/** Lines of `stat -c '%a %n'`, of `sha256sum` and `missing PATH`, for absolute paths. */
export function parseFileStates(output: string): Map<string, FileState> {
  const modes = new Map<string, number>();
  const hashes = new Map<string, string>();
  const states = new Map<string, FileState>();
  for (const line of output.split('\n').filter(Boolean)) {
    let match: RegExpExecArray | null;
    if ((match = /^missing (\/.*)$/.exec(line))) states.set(match[1]!, { exists: false });
    else if ((match = /^([0-7]{3,4}) (\/.*)$/.exec(line))) modes.set(match[2]!, parseInt(match[1]!, 8));
    else if ((match = /^([0-9a-f]{64}) {2}(\/.*)$/.exec(line))) hashes.set(match[2]!, match[1]!);
    else throw new FactError('files', `unexpected line '${line}'`);
  }
  for (const [path, mode] of modes) {
    const sha256 = hashes.get(path);
    if (!sha256) throw new FactError('files', `${path} has a mode but no SHA-256`);
    states.set(path, { exists: true, mode, sha256 });
  }
  const unpaired = [...hashes.keys()].find((path) => !modes.has(path));
  if (unpaired) throw new FactError('files', `${unpaired} has a SHA-256 but no mode`);
  return states;
}
