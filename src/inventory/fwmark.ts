import type { FieldReader } from './fields.ts';
import type { IssueList } from './issues.ts';
import type { FirewallMark, Fwmark, Port, VirtualService } from './model.ts';
import { show } from './show.ts';

/**
 * ipvsadm's -f takes 1 to 4294967295 (0 is no mark; recorded: test/fixtures/facts/ipvsadm-fwmark.json), but
 * ipvsadm-save prints a mark of 2^31 or more as a negative number (`-f -1`), so the rules file lvsplay writes
 * would never be what the host prints, and ipvsadm's own parser reads no negative mark back at boot. So the
 * inventory stops at 2^31 - 1.
 */
const MAX_MARK = 2147483647;

/**
 * `fwmark` and `ports` of a service, checked: with a mark, `ports` (the ports of the VIP the mark groups)
 * replaces `port`; without one, `ports` is refused. Undefined with no mark, null when refused.
 */
export function parseFirewallMark(reader: FieldReader): FirewallMark | undefined | null {
  if (!reader.has('fwmark')) {
    if (reader.has('ports')) reader.problem('ports', 'is for a firewall-mark service (give fwmark too); a service of one port gives port');
    return reader.has('ports') ? null : undefined;
  }
  const mark = reader.integer('fwmark', 1, MAX_MARK, true) as Fwmark | undefined;
  if (reader.has('port')) reader.problem('port', 'is for a service of one port: a firewall-mark service names the ports its mark groups in ports');
  const ports = parsePorts(reader);
  if (mark === undefined || !ports || reader.has('port')) return null;
  return { mark, ports };
}

function parsePorts(reader: FieldReader): [Port, ...Port[]] | undefined {
  const value = reader.raw('ports');
  if (value === undefined) return reader.problem('ports', 'is required with fwmark: the ports of the VIP whose packets the mark groups, e.g. [80, 443]');
  if (!Array.isArray(value)) return reader.problem('ports', `must be a list of ports, e.g. [80, 443], got ${show(value)}`);
  if (value.length === 0) return reader.problem('ports', 'is empty: give the ports of the VIP whose packets the mark groups, e.g. [80, 443]');
  const bad = value.findIndex((port) => typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535);
  if (bad >= 0) return reader.problem(`ports[${bad}]`, `must be a whole number from 1 to 65535, got ${show(value[bad])}`);
  const twice = value.find((port, index) => value.indexOf(port) !== index);
  if (twice !== undefined) return reader.problem('ports', `names ${twice} twice`);
  return value as [Port, ...Port[]];
}

/** What a firewall-mark service cannot have, each named with why. */
export function checkMarkedService(
  reader: FieldReader,
  given: { readonly onePacket: boolean; readonly persistenceEngine: boolean; readonly keepalived: string | undefined; readonly realServerPorts: readonly string[] },
): void {
  if (given.onePacket) reader.problem('onePacket', 'is not for a firewall-mark service: lvsplay gives -o only to a UDP service of one port');
  if (given.persistenceEngine) reader.problem('persistenceEngine', 'is not for a firewall-mark service: the SIP engine reads a UDP service of one port');
  if (given.keepalived) reader.problem('fwmark', `is not supported yet on a service keepalived manages (${given.keepalived}): lvsplay does not write a fwmark virtual_server into keepalived.conf`);
  for (const field of given.realServerPorts) {
    reader.problem(`${field}.port`, "is not for a real server of a firewall-mark service: it gets each packet on the port it was sent to (ipvsadm's port 0)");
  }
}

/** A service's name in messages: `services[2] (fwmark 1)`. */
type Subject = (service: VirtualService) => string;

/**
 * On each director: a mark belongs to one service, and a VIP's port of one protocol to one service, marked
 * or not (two would race for the same packets: the mark makes IPVS take them for the mark's service).
 */
export function checkMarkClaims(services: readonly VirtualService[], subjectOf: Subject, issues: IssueList): void {
  const marks = new Map<string, VirtualService>();
  const ports = new Map<string, VirtualService>();
  for (const service of services) {
    for (const director of service.directors) {
      if (service.fwmark) {
        const key = `${director} ${service.fwmark.mark}`;
        const earlier = marks.get(key);
        if (earlier) issues.add(subjectOf(service), 'fwmark', `${service.fwmark.mark} is already the mark of ${subjectOf(earlier)} on director ${director}: each service needs its own`);
        else marks.set(key, service);
      }
      for (const port of service.fwmark?.ports ?? [service.port]) {
        const key = `${director} ${service.protocol} ${service.vip}:${port}`;
        const earlier = ports.get(key);
        if (!earlier) ports.set(key, service);
        else if (earlier.fwmark || service.fwmark) {
          const field = service.fwmark ? 'ports' : 'port';
          issues.add(
            subjectOf(service),
            field,
            `${service.protocol} ${service.vip}:${port} is also ${subjectOf(earlier)}'s on director ${director}: a port of a VIP belongs to one service, marked or not`,
          );
        }
      }
    }
  }
}
