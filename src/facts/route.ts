import { parseIPv4, type IPv4 } from '../net/ipv4.ts';
import type { Fact } from './fact.ts';

/** The gateway of the main table's default route, if there is one. */
export const defaultRouteFact: Fact<IPv4 | undefined> = {
  name: 'default-route',
  command: 'ip -4 route show default',
  parse: parseDefaultRoute,
};

export function parseDefaultRoute(output: string): IPv4 | undefined {
  const via = /^default\s+via\s+(\S+)/m.exec(output)?.[1];
  const parsed = via === undefined ? undefined : parseIPv4(via);
  return parsed?.ok ? parsed.value : undefined;
}
