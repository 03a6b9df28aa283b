import { FactError } from './fact.ts';
import { endpointKey, ipv6Of } from './ipvs-live.ts';

/**
 * Traffic counters per service and per real server, which only ipvsadm shows (/proc/net/ip_vs has none;
 * /proc/net/ip_vs_stats only the director's totals). `--exact` prints whole numbers instead of 12K or 3M.
 * `--stats` and `--rate` are two listings: given together, ipvsadm 1.31 prints the stats only (print_title
 * and print_service_entry test FMT_STATS first).
 */
export type CounterListing = 'stats' | 'rate';

/** The five columns of either listing: totals since the entry was added (stats), or per second (rate). */
export interface Counters {
  readonly connections: number;
  readonly inPackets: number;
  readonly outPackets: number;
  readonly inBytes: number;
  readonly outBytes: number;
}

export interface ServiceCounters {
  readonly service: Counters;
  /** By endpoint key, `192.168.10.71:80`. */
  readonly destinations: ReadonlyMap<string, Counters>;
}

/** By service key, as parseLiveIpvs keys them: `tcp 192.168.10.100:80`, `fwmark 7`. */
export type CounterTable = ReadonlyMap<string, ServiceCounters>;

export const COUNTER_COMMANDS: Readonly<Record<CounterListing, string>> = {
  stats: 'ipvsadm -Ln --stats --exact',
  rate: 'ipvsadm -Ln --rate --exact',
};

// ipvsadm 1.31's list_all, print_title and print_service_entry: a version line, then `%-33s %8s %8s %8s %8s %8s`
// with the column names and `  -> RemoteAddress:Port`; per service `%-33s` (`%-4s %s`: protocol and
// address:port, or `FWM  %d[ IPv6]`) and five numbers, per real server `  -> %-28s` and five numbers, each
// printed with at least one space before it.
const TITLES: Readonly<Record<CounterListing, RegExp>> = {
  stats: /^Prot LocalAddress:Port +Conns +InPkts +OutPkts +InBytes +OutBytes$/,
  rate: /^Prot LocalAddress:Port +CPS +InPPS +OutPPS +InBPS +OutBPS$/,
};
const VERSION = /^IP Virtual Server version \S+ \(size=\d+\)$/;
const SUBTITLE = '  -> RemoteAddress:Port';
const NUMBERS = ' +(\\d+) +(\\d+) +(\\d+) +(\\d+) +(\\d+) *$';
const SERVICE = new RegExp(`^(?:(TCP|UDP|SCTP) +(\\S+)|FWM +(\\d+)( IPv6)?)${NUMBERS}`);
const DESTINATION = new RegExp(`^  -> (\\S+)${NUMBERS}`);

/** One listing; a line of any other shape (a number with a K, a missing title) is an error naming it. */
export function parseIpvsCounters(listing: CounterListing, output: string): CounterTable {
  const fact = `ipvs-${listing}`;
  const lines = output.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [version, title, subtitle, ...entries] = lines;
  if (version === undefined || !VERSION.test(version)) throw new FactError(fact, `expected the IPVS version line, got '${version ?? ''}'`);
  if (title === undefined || !TITLES[listing].test(title)) throw new FactError(fact, `expected the ${listing} title, got '${title ?? ''}'`);
  if (subtitle !== SUBTITLE) throw new FactError(fact, `expected '${SUBTITLE}', got '${subtitle ?? ''}'`);
  const table = new Map<string, { service: Counters; destinations: Map<string, Counters> }>();
  let current: Map<string, Counters> | undefined;
  for (const line of entries) {
    const service = SERVICE.exec(line);
    if (service) {
      const [, protocol, endpoint, mark, ipv6, ...numbers] = service;
      const key = protocol ? `${protocol.toLowerCase()} ${normalEndpoint(fact, endpoint!)}` : `fwmark ${mark}${ipv6 ? ' ipv6' : ''}`;
      current = new Map();
      table.set(key, { service: countersOf(numbers), destinations: current });
      continue;
    }
    const destination = DESTINATION.exec(line);
    if (!destination) throw new FactError(fact, `unexpected line '${line}'`);
    if (!current) throw new FactError(fact, `a real server before any service: '${line}'`);
    const [, endpoint, ...numbers] = destination;
    current.set(normalEndpoint(fact, endpoint!), countersOf(numbers));
  }
  return table;
}

function countersOf(numbers: readonly (string | undefined)[]): Counters {
  const [connections, inPackets, outPackets, inBytes, outBytes] = numbers.map(Number) as [number, number, number, number, number];
  return { connections, inPackets, outPackets, inBytes, outBytes };
}

/** `192.168.10.71:80` as is; `[2001:db8::1]:80` in ipv6Of's form, to meet /proc/net/ip_vs's. */
function normalEndpoint(fact: string, text: string): string {
  const ipv6 = /^\[(.+)\]:(\d+)$/.exec(text);
  if (ipv6) return endpointKey(ipv6Of(ipv6[1]!), Number(ipv6[2]));
  if (!/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(text)) throw new FactError(fact, `'${text}' is not an address:port`);
  return text;
}
