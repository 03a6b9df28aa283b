import ipaddr from 'ipaddr.js';
import type { IPv4 } from '../net/ipv4.ts';
import type { FieldReader } from './fields.ts';
import { PERSISTENCE_ENGINES, SCHEDULER_FLAGS, type SchedulerFlag } from './input.ts';
import type { Netmask, PersistenceEngine, Protocol, Scheduler, Threshold } from './model.ts';
import { listed, show } from './show.ts';

/** The IPVS options of a service beyond its scheduler and persistence timeout, checked against those. */
export interface ServiceOptions {
  readonly persistenceNetmask?: Netmask;
  readonly persistenceEngine?: PersistenceEngine;
  readonly schedulerFlags?: readonly SchedulerFlag[];
  readonly onePacket?: true;
}

/** The fields of `ServiceOptions`, for messages and for the keepalived check. */
export const SERVICE_OPTION_FIELDS = ['persistenceNetmask', 'persistenceEngine', 'schedulerFlags', 'onePacket'] as const;

/** ipvsadm's string_to_number(optarg, 0, INT_MAX) for -x and -y. */
const MAX_THRESHOLD = 2147483647;

/** Which scheduler each flag belongs to: the kernel's SCHED1/SCHED2 bits mean something only to it. */
const FLAG_SCHEDULER: Readonly<Record<SchedulerFlag, Scheduler>> = { 'sh-fallback': 'sh', 'sh-port': 'sh', 'mh-fallback': 'mh', 'mh-port': 'mh' };

/**
 * What the kernel or ipvsadm 1.31 refuses (seen on the lab: test/fixtures/facts/ipvsadm-options.json) is
 * refused here, naming the field, before any host is touched.
 */
export function parseServiceOptions(
  reader: FieldReader,
  /** As read: undefined where the field itself was refused (that problem is recorded); `persistent` as given, valid or not. */
  service: { readonly protocol: Protocol | undefined; readonly scheduler: Scheduler | undefined; readonly persistent: boolean },
): ServiceOptions {
  const netmask = parseNetmask(reader);
  const engine = reader.has('persistenceEngine') ? reader.oneOf('persistenceEngine', PERSISTENCE_ENGINES, undefined) : undefined;
  const flags = parseSchedulerFlags(reader, service.scheduler);
  const onePacket = reader.boolean('onePacket', false);
  if (!service.persistent) {
    if (reader.has('persistenceNetmask'))
      reader.problem('persistenceNetmask', 'is only for a persistent service: give persistence too (without -p the kernel keeps -M unused and ipvsadm-save does not print it)');
    if (reader.has('persistenceEngine')) reader.problem('persistenceEngine', 'is only for a persistent service: give persistence too (a persistence engine acts on persistence templates)');
  }
  if (engine === 'sip' && service.protocol !== undefined && service.protocol !== 'udp') {
    reader.problem('persistenceEngine', `sip reads SIP messages of UDP services only; this service is ${service.protocol}`);
  }
  if (onePacket && service.protocol !== undefined && service.protocol !== 'udp') {
    reader.problem('onePacket', `is for UDP services only (the kernel schedules each datagram); this service is ${service.protocol}`);
  }
  return {
    ...(netmask && { persistenceNetmask: netmask }),
    ...(engine && { persistenceEngine: engine }),
    ...(flags && flags.length > 0 && { schedulerFlags: flags }),
    ...(onePacket && { onePacket: true as const }),
  };
}

/** A contiguous mask; 255.255.255.255, ipvsadm's default, is the same as none. */
function parseNetmask(reader: FieldReader): Netmask | undefined {
  const text = reader.string('persistenceNetmask', false);
  if (text === undefined) return undefined;
  const mask = ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : undefined;
  if (!mask || mask.prefixLengthFromSubnetMask() === null) return reader.problem('persistenceNetmask', `${show(text)} is not an IPv4 netmask like '255.255.255.0'`);
  const canonical = mask.toString() as IPv4;
  return canonical === '255.255.255.255' ? undefined : (canonical as Netmask);
}

/** The flags in the kernel's bit order (fallback, then port), each once, each its scheduler's. */
function parseSchedulerFlags(reader: FieldReader, scheduler: Scheduler | undefined): SchedulerFlag[] | undefined {
  const value = reader.raw('schedulerFlags');
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) return reader.problem('schedulerFlags', `must be a non-empty list of ${SCHEDULER_FLAGS.join(', ')}, got ${show(value)}`);
  const unknown = value.filter((flag) => !(SCHEDULER_FLAGS as readonly unknown[]).includes(flag));
  if (unknown.length > 0)
    return reader.problem('schedulerFlags', `${listed(unknown.map(show))} ${unknown.length === 1 ? 'is not a scheduler flag' : 'are not scheduler flags'} (known: ${SCHEDULER_FLAGS.join(', ')})`);
  const flags = value as SchedulerFlag[];
  const twice = flags.find((flag, index) => flags.indexOf(flag) !== index);
  if (twice !== undefined) return reader.problem('schedulerFlags', `names ${twice} twice`);
  const foreign = flags.filter((flag) => FLAG_SCHEDULER[flag] !== scheduler);
  if (scheduler !== undefined && foreign.length > 0) {
    return reader.problem(
      'schedulerFlags',
      `${listed(foreign)} ${foreign.length === 1 ? 'is a flag' : 'are flags'} of scheduler ${FLAG_SCHEDULER[foreign[0]!]}, not of ${scheduler} (ipvsadm refuses it)`,
    );
  }
  return SCHEDULER_FLAGS.filter((flag) => flags.includes(flag));
}

/** A real server's -x and -y: each 1 to INT_MAX, the lower only with the upper and not above it (the kernel's -ERANGE). */
export function parseThresholds(reader: FieldReader): { upperThreshold?: Threshold; lowerThreshold?: Threshold } | undefined {
  const upper = reader.integer('upperThreshold', 1, MAX_THRESHOLD, false) as Threshold | undefined;
  const lower = reader.integer('lowerThreshold', 1, MAX_THRESHOLD, false) as Threshold | undefined;
  if ((reader.has('upperThreshold') && upper === undefined) || (reader.has('lowerThreshold') && lower === undefined)) return undefined;
  if (lower !== undefined && upper === undefined)
    return reader.problem(
      'lowerThreshold',
      'needs upperThreshold: it says when a real server overloaded at its upper threshold takes connections again (the kernel refuses a lower threshold above the upper one, and no upper one is 0)',
    );
  if (lower !== undefined && upper !== undefined && lower > upper) return reader.problem('lowerThreshold', `${lower} is above upperThreshold ${upper} (the kernel refuses it)`);
  return { ...(upper !== undefined && { upperThreshold: upper }), ...(lower !== undefined && { lowerThreshold: lower }) };
}
