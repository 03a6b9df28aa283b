import { FactError, type Fact } from './fact.ts';

/**
 * Live services whose real servers have a connection threshold (`-x` upper, `-y` lower), by the keys
 * `parseIpvsSave` gives them (`tcp 10.0.0.5:80`, `fwmark 7`), each with why: `-x 100 on 192.168.10.71:80`.
 */
export type ThresholdServices = ReadonlyMap<string, string>;

/**
 * Thresholds, which `ipvsadm-save -n` does not print: lvsplay could not tell a real server with one from one
 * without, and its `-e` (which sets only forwarding and weight) would clear it. The list asks the kernel for
 * each service's real servers, as ipvsadm-save does, so it costs about as much again.
 */
export const ipvsThresholdsFact: Fact<ThresholdServices> = {
  name: 'ipvs-thresholds',
  command: 'ipvsadm -Ln --thresholds',
  parse: parseIpvsThresholds,
};

// ipvsadm 1.31's list_all and print_service_entry with FMT_THRESHOLDS: a version line and a title, then per
// service `%-4s %s` (protocol, address:port) and the scheduler and its flags, or `FWM  %d[ IPv6]`; per real
// server `  -> %-28s %-10u %-10u %-10u %-10u` (address:port, upper, lower, active and inactive connections).
const TITLE = /^(IP Virtual Server version .*|Prot LocalAddress:Port +Uthreshold Lthreshold ActiveConn InActConn *|  -> RemoteAddress:Port)$/;
const REAL_SERVER = /^  -> (\S+) +(\d+) +(\d+) +\d+ +\d+ *$/;
const SERVICE = /^(TCP|UDP|SCTP|\?) +(\S+) \S/;
const FWMARK = /^FWM +(\d+)( IPv6)? \S/;
const PROTOCOLS: Readonly<Record<string, string>> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp', '?': 'unknown-protocol' };
/** How many real servers a reason names before it only counts the rest. */
const NAMED = 3;

export function parseIpvsThresholds(output: string): ThresholdServices {
  const found = new Map<string, string[]>();
  let service: string | undefined;
  for (const line of output.split('\n')) {
    if (line === '' || TITLE.test(line)) continue;
    const real = REAL_SERVER.exec(line);
    if (real) {
      if (service === undefined) throw new FactError('ipvs-thresholds', `a real server before any service: '${line}'`);
      const [, address, upper, lower] = real;
      if (upper === '0' && lower === '0') continue;
      const set = [upper !== '0' && `-x ${upper}`, lower !== '0' && `-y ${lower}`].filter(Boolean).join(' ');
      const servers = found.get(service) ?? [];
      servers.push(`${set} on ${address}`);
      found.set(service, servers);
      continue;
    }
    service = serviceKeyOf(line);
  }
  return new Map([...found].map(([key, servers]) => [key, described(servers)]));
}

function serviceKeyOf(line: string): string {
  const fwmark = FWMARK.exec(line);
  if (fwmark) return `fwmark ${fwmark[1]}${fwmark[2] ? ' ipv6' : ''}`;
  const service = SERVICE.exec(line);
  if (service) return `${PROTOCOLS[service[1]!]} ${service[2]}`;
  throw new FactError('ipvs-thresholds', `unexpected line '${line}'`);
}

function described(servers: readonly string[]): string {
  const more = servers.length > NAMED ? ` (and ${servers.length - NAMED} more)` : '';
  return `${servers.slice(0, NAMED).join(', ')}${more}`;
}
