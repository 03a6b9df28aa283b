import { quote } from '../ssh/quote.ts';
import { FactError, type Fact } from './fact.ts';

/** Live values from /proc/sys; `undefined` where the key does not exist (e.g. net.ipv4.vs.* before ip_vs). */
export function sysctlFact(keys: readonly string[]): Fact<Map<string, string | undefined>> {
  // One grep for all keys, not sysctl or cat once per key (a process each). Not the shell's `read`: it reads
  // a byte at a time, and most /proc/sys files answer only a read at offset 0 ("4" for "4096 131072 …").
  return { name: 'sysctl', command: `grep -H '' -- ${keys.map((key) => quote(procPath(key))).join(' ')} 2>/dev/null || true`, parse: (output) => parseSysctl(output, keys) };
}

export function procPath(key: string): string {
  return `/proc/sys/${key.replaceAll('.', '/')}`;
}

/** `PATH:VALUE` lines of `grep -H ''`; a key with no line does not exist on the host. */
export function parseSysctl(output: string, keys: readonly string[]): Map<string, string | undefined> {
  const byPath = new Map(keys.map((key) => [procPath(key), key]));
  const values = new Map<string, string | undefined>(keys.map((key) => [key, undefined]));
  for (const line of output.split('\n').filter(Boolean)) {
    const colon = line.indexOf(':');
    const key = colon > 0 ? byPath.get(line.slice(0, colon)) : undefined;
    if (!key) throw new FactError('sysctl', `unexpected line '${line}'`);
    values.set(
      key,
      line
        .slice(colon + 1)
        .trim()
        .replace(/\s+/g, ' '),
    );
  }
  return values;
}
