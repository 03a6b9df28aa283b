import type { IpvsServiceId } from '../ipvs/table.ts';
import { FactError, type Fact } from './fact.ts';

/**
 * A service as /proc/net/ip_vs shows it: one read of a kernel file, where `ipvsadm-save -n` asks the
 * kernel once per service (on a 2,000-service director, 0.2 s against 1.6 s). It shows less: persistence
 * only as on or off (its timeout is in kernel ticks), no scheduler flags. Keys are `serviceKey`'s.
 */
export interface ProcService {
  readonly scheduler: string;
  readonly persistent: boolean;
  /** -o: `ops` after the scheduler. */
  readonly onePacket: boolean;
  readonly destinations: ReadonlyMap<string, { readonly forwarding: string; readonly weight: number }>;
}

/** The live table from /proc/net/ip_vs, or undefined without ip_vs (nothing is then live). */
export type ProcTable = ReadonlyMap<string, ProcService> | undefined;

const NO_MODULE = '@@no-ip_vs';

/**
 * /proc/net/ip_vs filtered on the host to the given services (their real servers follow them), so that
 * only what a change touched travels: all of it is 1.2 MB for 2,000 services.
 */
export function ipvsProcFact(services: readonly IpvsServiceId[]): Fact<ProcTable> {
  const keys = services.map(procServiceKey);
  return {
    name: 'ipvs-proc',
    command: [
      'if [ -e /proc/net/ip_vs ]; then',
      // The wanted keys come first, from the here-document; a service line then switches printing on or off.
      `awk 'NR == FNR { keep[$1 " " $2] = 1; next } /^[A-Z]/ { show = (($1 " " $2) in keep) } show' - /proc/net/ip_vs <<'LVSPLAY_KEYS'`,
      '@@ @@',
      ...keys,
      'LVSPLAY_KEYS',
      `else echo ${NO_MODULE}; fi`,
    ].join('\n'),
    parse: parseProcIpvs,
  };
}

/** A service as /proc/net/ip_vs names it: `TCP C0A80A64:0050`, or `FWM 00000001`. */
export function procServiceKey(service: IpvsServiceId): string {
  if (service.fwmark !== undefined) return `FWM ${markHex(service.fwmark)}`;
  return `${service.protocol.toUpperCase()} ${procAddress(service.vip, service.port)}`;
}

function markHex(mark: number): string {
  return mark.toString(16).toUpperCase().padStart(8, '0');
}

/** An address and port as /proc/net/ip_vs writes them: `C0A80A48:0050`. */
export function procAddress(address: string, port: number): string {
  return `${hex(address, 8)}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

function hex(address: string, width: number): string {
  return address
    .split('.')
    .map((octet) => Number(octet).toString(16).toUpperCase().padStart(2, '0'))
    .join('')
    .padStart(width, '0');
}

const FORWARDING: Record<string, string> = { Masq: 'masq', Route: 'route', Tunnel: 'tunnel' };

/** IPv4 TCP, UDP, SCTP and firewall-mark services; IPv6 services are never lvsplay's, and are skipped. */
export function parseProcIpvs(output: string): ProcTable {
  if (output.trim() === NO_MODULE) return undefined;
  const services = new Map<string, ProcService>();
  let current: Map<string, { forwarding: string; weight: number }> | undefined;
  for (const line of output.split('\n')) {
    if (line === '' || /^(IP Virtual Server|Prot |  -> RemoteAddress)/.test(line)) continue;
    const service = /^(?:(TCP|UDP|SCTP)\s+([0-9A-F]{8}):([0-9A-F]{4})|FWM\s+([0-9A-F]{8})) (\S+) (ops )?\s*(persistent \d+ [0-9A-F]{8})?\s*$/.exec(line);
    const destination = /^\s+-> ([0-9A-F]{8}):([0-9A-F]{4})\s+(\S+)\s+(-?\d+)\s+\d+\s+\d+\s*$/.exec(line);
    if (service) {
      current = new Map();
      const key = service[4] === undefined ? `${service[1]!.toLowerCase()} ${dotted(service[2]!)}:${parseInt(service[3]!, 16)}` : `fwmark ${parseInt(service[4], 16)}`;
      services.set(key, { scheduler: service[5]!, onePacket: service[6] !== undefined, persistent: service[7] !== undefined, destinations: current });
    } else if (destination) {
      // Real servers of a skipped (IPv6) service have no current service: skipped with it.
      const forwarding = FORWARDING[destination[3]!] ?? destination[3]!.toLowerCase();
      current?.set(`${dotted(destination[1]!)}:${parseInt(destination[2]!, 16)}`, { forwarding, weight: Number(destination[4]) });
    } else if (/^(FWM|TCP|UDP|SCTP)\s/.test(line)) current = undefined;
    else if (/^\s+-> /.test(line) && current === undefined) continue;
    else throw new FactError('ipvs-proc', `unexpected line '${line}'`);
  }
  return services;
}

function dotted(hex: string): string {
  return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}
