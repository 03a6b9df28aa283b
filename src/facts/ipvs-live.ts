import ipaddr from 'ipaddr.js';
import { FactError } from './fact.ts';

/**
 * The live IPVS table with each real server's connection counts, from /proc/net/ip_vs: one read of a kernel
 * file (ipvsadm asks the kernel once per service), which exists only while ip_vs is loaded and so can never
 * load it, and needs no ipvsadm. It shows persistence only as on or off (its timeout is in kernel ticks) and
 * no scheduler flags, which `status` does not need. Every service is kept, fwmark and IPv6 ones too.
 */
export interface LiveDestination {
  /** `192.168.10.71:80`, `[2001:db8::1]:80`: the key ipvsadm's own listings use too. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** ipvsadm's words lowercased: masq, route, tunnel, local. */
  readonly forwarding: string;
  readonly weight: number;
  readonly active: number;
  readonly inactive: number;
}

export interface LiveService {
  /** `tcp 192.168.10.100:80` (serviceKey's form), `tcp [2001:db8::1]:80`, `fwmark 7`, `fwmark 7 ipv6`. */
  readonly key: string;
  readonly scheduler: string;
  readonly persistent: boolean;
  readonly destinations: readonly LiveDestination[];
}

export const PROC_IP_VS = '/proc/net/ip_vs';

// The kernel's ip_vs_info_seq_show: a version line and two title lines, then per service `%s  %08X:%04X %s %s `
// (protocol, address, port, scheduler, `ops `), `%s  [%pI6]:%04X %s ` or `FWM  %08X %s %s`, then
// `persistent %d %08X` (ticks, netmask) or nothing; per real server `  -> %08X:%04X      %-7s %-6d %-10d %-10d`
// (or `[%pI6]:%04X`): forwarding, weight, active and inactive connections.
const TITLE = /^(IP Virtual Server version \S+ \(size=\d+\)|Prot LocalAddress:Port Scheduler Flags|  -> RemoteAddress:Port Forward Weight ActiveConn InActConn)$/;
const SERVICE = /^(TCP|UDP|SCTP|FWM)  (?:([0-9A-F]{8}):([0-9A-F]{4})|\[([0-9a-f:]+)\]:([0-9A-F]{4})|([0-9A-F]{8})) (\S+) +(?:ops +)?(persistent \d+ [0-9A-F]+)? *$/;
const DESTINATION = /^  -> (?:([0-9A-F]{8}):([0-9A-F]{4})|\[([0-9a-f:]+)\]:([0-9A-F]{4})) +(\S+) +(\d+) +(\d+) +(\d+) *$/;

/** The table, in the kernel's order; a line of any other shape is an error naming it. */
export function parseLiveIpvs(output: string): LiveService[] {
  const services: { key: string; scheduler: string; persistent: boolean; destinations: LiveDestination[] }[] = [];
  const lines = output.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    if (TITLE.test(line)) continue;
    const service = SERVICE.exec(line);
    if (service) {
      const [, protocol, hexAddress, hexPort, v6Address, v6Port, mark, scheduler, persistence] = service;
      services.push({ key: serviceKeyOf(protocol!, hexAddress ?? v6Address, hexPort ?? v6Port, mark), scheduler: scheduler!, persistent: persistence !== undefined, destinations: [] });
      continue;
    }
    const destination = DESTINATION.exec(line);
    const current = services.at(-1);
    if (!destination) throw new FactError('ipvs-live', `unexpected line '${line}'`);
    if (!current) throw new FactError('ipvs-live', `a real server before any service: '${line}'`);
    const [, hexAddress, hexPort, v6Address, v6Port, forwarding, weight, active, inactive] = destination;
    const address = hexAddress ? dottedOf(hexAddress) : ipv6Of(v6Address!);
    const port = parseInt((hexPort ?? v6Port)!, 16);
    current.destinations.push({ key: endpointKey(address, port), address, port, forwarding: forwarding!.toLowerCase(), weight: Number(weight), active: Number(active), inactive: Number(inactive) });
  }
  // A fwmark line does not say its family: its real servers do.
  return services.map((s) => (s.key.startsWith('fwmark ') && s.destinations.some((d) => d.address.includes(':')) ? { ...s, key: `${s.key} ipv6` } : s));
}

function serviceKeyOf(protocol: string, address: string | undefined, port: string | undefined, mark: string | undefined): string {
  if (protocol === 'FWM') {
    if (mark === undefined) throw new FactError('ipvs-live', `a fwmark service without its mark`);
    return `fwmark ${parseInt(mark, 16)}`;
  }
  if (address === undefined || port === undefined) throw new FactError('ipvs-live', `a ${protocol} service without its address`);
  const text = address.length === 8 && !address.includes(':') ? dottedOf(address) : ipv6Of(address);
  return `${protocol.toLowerCase()} ${endpointKey(text, parseInt(port, 16))}`;
}

/** `address:port`, IPv6 bracketed, as ipvsadm prints an endpoint (and `destinationKey` an IPv4 one). */
export function endpointKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** An IPv6 address in the one form ipvsadm (inet_ntop) and /proc (%pI6, full) can be compared in. */
export function ipv6Of(text: string): string {
  if (!ipaddr.IPv6.isValid(text)) throw new FactError('ipvs-live', `'${text}' is not an IPv6 address`);
  return ipaddr.IPv6.parse(text).toString();
}

function dottedOf(hex: string): string {
  return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}
