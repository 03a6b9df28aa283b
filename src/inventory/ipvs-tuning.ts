import { TIMEOUT_NAMES, type TimeoutName } from '../facts/ipvs-timeouts.ts';
import type { FieldReader } from './fields.ts';
import { showWithType } from './show.ts';

/** One to INT_MAX / 1000 seconds (24.8 days): the kernel keeps a timeout in jiffies, an int, at HZ up to 1000. */
export type TimeoutSeconds = number & { readonly __brand: 'TimeoutSeconds' };
export const MAX_TIMEOUT = 2147483;

export const CONN_REUSE_MODES = [0, 1, 2] as const;
export type ConnReuseMode = (typeof CONN_REUSE_MODES)[number];

/** The sysctls of the block, by their field, and each one's key. */
export const IPVS_SYSCTL_FIELDS = {
  connReuseMode: 'net.ipv4.vs.conn_reuse_mode',
  expireNodestConn: 'net.ipv4.vs.expire_nodest_conn',
  expireQuiescentTemplate: 'net.ipv4.vs.expire_quiescent_template',
  sloppyTcp: 'net.ipv4.vs.sloppy_tcp',
  scheduleIcmp: 'net.ipv4.vs.schedule_icmp',
} as const;
type BooleanField = Exclude<keyof typeof IPVS_SYSCTL_FIELDS, 'connReuseMode'>;
const BOOLEAN_FIELDS: readonly BooleanField[] = ['expireNodestConn', 'expireQuiescentTemplate', 'sloppyTcp', 'scheduleIcmp'];

/** Those the inventory names, at least one: an empty `timeouts` would say nothing, so it is refused rather than ignored. */
export type Timeouts = { readonly [K in TimeoutName]?: TimeoutSeconds };

export interface IpvsTuning {
  readonly timeouts?: Timeouts;
  readonly connReuseMode?: ConnReuseMode;
  readonly expireNodestConn?: boolean;
  readonly expireQuiescentTemplate?: boolean;
  readonly sloppyTcp?: boolean;
  readonly scheduleIcmp?: boolean;
}

const FIELDS = ['timeouts', ...Object.keys(IPVS_SYSCTL_FIELDS)];

/** The host's `ipvs` block checked, or undefined when absent or refused (each problem recorded by field). */
export function parseIpvsTuning(host: FieldReader): IpvsTuning | undefined {
  const record = host.object('ipvs', false);
  if (!record) return undefined;
  const reader = host.child('ipvs', record);
  reader.rejectUnknown(FIELDS);
  const timeouts = parseTimeouts(reader);
  const connReuseMode = parseConnReuseMode(reader);
  const flags = Object.fromEntries(
    BOOLEAN_FIELDS.flatMap((field) => {
      const value = reader.has(field) ? reader.boolean(field, false) : undefined;
      return value === undefined ? [] : [[field, value]];
    }),
  );
  if (Object.keys(record).length === 0) host.problem('ipvs', 'sets nothing: leave it out, or give timeouts or a sysctl');
  return { ...(timeouts && { timeouts }), ...(connReuseMode !== undefined && { connReuseMode }), ...flags };
}

function parseTimeouts(reader: FieldReader): Timeouts | undefined {
  const record = reader.object('timeouts', false);
  if (!record) return undefined;
  const timeouts = reader.child('timeouts', record);
  timeouts.rejectUnknown(TIMEOUT_NAMES);
  // 0 is ipvsadm's "leave it as it is": in the inventory, that is leaving the field out.
  const values = TIMEOUT_NAMES.flatMap((name) => {
    const seconds = timeouts.integer(name, 1, MAX_TIMEOUT, false);
    return seconds === undefined ? [] : [[name, seconds as TimeoutSeconds] as const];
  });
  if (Object.keys(record).length === 0) reader.problem('timeouts', `names no timeout (${TIMEOUT_NAMES.join(', ')}): leave it out`);
  return values.length > 0 ? Object.fromEntries(values) : undefined;
}

function parseConnReuseMode(reader: FieldReader): ConnReuseMode | undefined {
  const value = reader.raw('connReuseMode');
  if (value === undefined) return undefined;
  if ((CONN_REUSE_MODES as readonly unknown[]).includes(value)) return value as ConnReuseMode;
  return reader.problem('connReuseMode', `must be 0, 1 or 2, got ${showWithType(value)}`);
}

/** The block's sysctls as the sysctl file holds them: booleans as 1 and 0. */
export function ipvsSysctlsOf(tuning: IpvsTuning | undefined): Record<string, string> {
  if (!tuning) return {};
  return Object.fromEntries(
    (Object.keys(IPVS_SYSCTL_FIELDS) as (keyof typeof IPVS_SYSCTL_FIELDS)[]).flatMap((field) => {
      const value = tuning[field];
      return value === undefined ? [] : [[IPVS_SYSCTL_FIELDS[field], typeof value === 'boolean' ? (value ? '1' : '0') : String(value)]];
    }),
  );
}
