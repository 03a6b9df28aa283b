import { quote } from '../ssh/quote.ts';
import { FactError, type Fact } from './fact.ts';

/** An interface's administrative state; `missing` until something creates it (tunl0: loading ipip). */
export type LinkState = 'up' | 'down' | 'missing';

/** The kernel's IFF_UP, the bit `ip link set DEV up` sets, in /sys/class/net/DEV/flags. */
const IFF_UP = 0x1;

/** Each named interface's state, from its flags in sysfs: one read per interface, no parsing of `ip`'s layout. */
export function linksFact(devices: readonly string[]): Fact<Map<string, LinkState>> {
  return {
    name: 'links',
    command: `for d in ${devices.map(quote).join(' ')}; do if [ -e "/sys/class/net/$d/flags" ]; then echo "$d $(cat "/sys/class/net/$d/flags")"; else echo "$d missing"; fi; done`,
    parse: parseLinks,
  };
}

// `tunl0 0x80` (down), `tunl0 0xc1` (up, running), `tunl0 missing`.
export function parseLinks(output: string): Map<string, LinkState> {
  const links = new Map<string, LinkState>();
  for (const line of output.split('\n').filter(Boolean)) {
    const [device, flags, extra] = line.split(' ');
    if (!device || extra !== undefined || !(flags === 'missing' || /^0x[0-9a-f]+$/i.test(flags ?? ''))) throw new FactError('links', `unexpected line '${line}'`);
    links.set(device, flags === 'missing' ? 'missing' : (Number.parseInt(flags!, 16) & IFF_UP) !== 0 ? 'up' : 'down');
  }
  return links;
}
