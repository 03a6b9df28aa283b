import { quote } from '../ssh/quote.ts';
import { FactError, type Fact } from './fact.ts';

export type FileState = { readonly exists: false } | { readonly exists: true; readonly mode: number; readonly sha256: string };

/** Mode and SHA-256 of each managed file: enough to decide an upload without reading the file. */
export function filesFact(paths: readonly string[]): Fact<Map<string, FileState>> {
  return {
    name: 'files',
    command: [
      `for f in ${paths.map(quote).join(' ')}; do`,
      '  if [ -f "$f" ]; then printf \'%s\\t%s\\t%s\\n\' "$f" "$(stat -c %a "$f")" "$(sha256sum < "$f" | cut -d" " -f1)";',
      '  else printf \'%s\\tmissing\\n\' "$f"; fi',
      'done',
    ].join('\n'),
    parse: parseFileStates,
  };
}

export function parseFileStates(output: string): Map<string, FileState> {
  const states = new Map<string, FileState>();
  for (const line of output.split('\n').filter(Boolean)) {
    const [path, mode, sha256] = line.split('\t');
    if (path && mode === 'missing') states.set(path, { exists: false });
    else if (path && mode && /^[0-7]{3,4}$/.test(mode) && sha256 && /^[0-9a-f]{64}$/.test(sha256)) {
      states.set(path, { exists: true, mode: parseInt(mode, 8), sha256 });
    } else throw new FactError('files', `unexpected line '${line}'`);
  }
  return states;
}
