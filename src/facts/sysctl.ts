import { quote } from '../ssh/quote.ts';
import { FactError, type Fact } from './fact.ts';

/** Live values from /proc/sys; `undefined` where the key does not exist (e.g. net.ipv4.vs.* before ip_vs). */
export function sysctlFact(keys: readonly string[]): Fact<Map<string, string | undefined>> {
  // Read /proc/sys directly rather than run sysctl once per key: one process for all of them.
  const reads = keys.map((key) => `printf '%s\\t' ${quote(key)}; cat ${quote(procPath(key))} 2>/dev/null || echo '@@missing'`);
  return { name: 'sysctl', command: reads.join('\n'), parse: parseSysctl };
}

export function procPath(key: string): string {
  return `/proc/sys/${key.replaceAll('.', '/')}`;
}

export function parseSysctl(output: string): Map<string, string | undefined> {
  const values = new Map<string, string | undefined>();
  for (const line of output.split('\n').filter(Boolean)) {
    const tab = line.indexOf('\t');
    if (tab < 1) throw new FactError('sysctl', `unexpected line '${line}'`);
    const value = line.slice(tab + 1).trim().replace(/\s+/g, ' ');
    values.set(line.slice(0, tab), value === '@@missing' ? undefined : value);
  }
  return values;
}
