import { procAddress, procServiceKey } from './ipvs-proc.ts';
import { FactError, type Fact } from './fact.ts';
import type { IpvsServiceId } from '../ipvs/table.ts';

/** A real server of a service, as `ipvs-gone` waits for it to leave the live table. */
export interface GoneTarget {
  readonly service: IpvsServiceId;
  readonly address: string;
  readonly port: number;
}

/** How long the read-back gives keepalived to apply a reload (its checker reads the new file after the parent). */
export const GONE_WAIT_SECONDS = 10;

/**
 * Waits, at most GONE_WAIT_SECONDS, until none of `targets` is in /proc/net/ip_vs, then prints those still
 * there (`TCP C0A80A64:0050 C0A80A48:0050`). For a change another daemon makes after the step that asked
 * for it has returned: keepalived removes its reload file once it has read its configuration, but its
 * checker process applies the table a moment later.
 */
export function ipvsGoneFact(targets: readonly GoneTarget[], waitSeconds = GONE_WAIT_SECONDS): Fact<ReadonlySet<string>> {
  const lines = targets.map((t) => `${procServiceKey(t.service)} ${procAddress(t.address, t.port)}`);
  return {
    name: 'ipvs-gone',
    command: [
      `lvsplay_still() { [ -e /proc/net/ip_vs ] || return 0; awk 'NR == FNR { want[$0] = 1; next } /^[A-Z]/ { s = $1 " " $2; next } ((s " " $2) in want) { print s " " $2 }' - /proc/net/ip_vs <<'LVSPLAY_GONE'`,
      ...lines,
      'LVSPLAY_GONE',
      '}',
      'lvsplay_waited=0',
      `while [ -n "$(lvsplay_still)" ] && [ "$lvsplay_waited" -lt ${waitSeconds * 10} ]; do sleep 0.1; lvsplay_waited=$((lvsplay_waited + 1)); done`,
      'lvsplay_still',
    ].join('\n'),
    parse: parseIpvsGone,
  };
}

/** The targets still live, as `TCP C0A80A64:0050 C0A80A48:0050`. */
export function parseIpvsGone(output: string): ReadonlySet<string> {
  const still = new Set<string>();
  for (const line of output.split('\n').filter(Boolean)) {
    if (!/^(TCP|UDP|SCTP) [0-9A-F]{8}:[0-9A-F]{4} [0-9A-F]{8}:[0-9A-F]{4}$/.test(line)) throw new FactError('ipvs-gone', `unexpected line '${line}'`);
    still.add(line);
  }
  return still;
}
