import { FactError, type Fact } from './fact.ts';
import { reportingFailure, succeeded } from './packed.ts';

/** The three connection timeouts `ipvsadm --set` takes, in its order, by the inventory's names. */
export const TIMEOUT_NAMES = ['tcp', 'tcpFin', 'udp'] as const;
export type TimeoutName = (typeof TIMEOUT_NAMES)[number];

/** Seconds, as `ipvsadm -L --timeout` prints them. */
export type IpvsTimeouts = Readonly<Record<TimeoutName, number>>;

/**
 * What ip_vs starts with when it is loaded (ip_vs_proto_tcp.c's ESTABLISHED and FIN_WAIT, ip_vs_proto_udp.c's
 * NORMAL), recorded on the lab kernel in ipvsadm-L-timeout.txt: what a host whose ip_vs is not loaded yet
 * will have once it is.
 */
export const KERNEL_TIMEOUTS: IpvsTimeouts = { tcp: 900, tcpFin: 120, udp: 300 };

const COMMAND = 'ipvsadm -L --timeout';
const NOT_LOADED = '@@ip_vs-not-loaded';

/**
 * The live timeouts, or undefined while ip_vs is not loaded: ipvsadm would load it to answer, and a facts
 * script changes nothing on the host. Nor is it run without ipvsadm (a host before its package step).
 */
export const ipvsTimeoutsFact: Fact<IpvsTimeouts | undefined> = {
  name: 'ipvs-timeouts',
  command: `if [ -d /sys/module/ip_vs ] && command -v ipvsadm >/dev/null; then ${reportingFailure(COMMAND)}; else echo ${NOT_LOADED}; fi`,
  parse: (output) => parseIpvsTimeouts(succeeded('ipvs-timeouts', COMMAND, output)),
};

/** `Timeout (tcp tcpfin udp): 900 120 300`, or the mark of a host whose ip_vs is not loaded. */
export function parseIpvsTimeouts(output: string): IpvsTimeouts | undefined {
  const text = output.trim();
  if (text === NOT_LOADED) return undefined;
  const match = /^Timeout \(tcp tcpfin udp\): (\d+) (\d+) (\d+)$/.exec(text);
  if (!match) throw new FactError('ipvs-timeouts', `unexpected output '${text}'`);
  return { tcp: Number(match[1]), tcpFin: Number(match[2]), udp: Number(match[3]) };
}

/** `ipvsadm --set` for these timeouts; 0 leaves a timeout as it is. */
export function setTimeoutsCommand(timeouts: Partial<IpvsTimeouts>): string {
  return `ipvsadm --set ${TIMEOUT_NAMES.map((name) => timeouts[name] ?? 0).join(' ')}`;
}
