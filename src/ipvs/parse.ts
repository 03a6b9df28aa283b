import { SCHEDULER_FLAGS, SCHEDULERS, type Scheduler, type SchedulerFlag } from '../inventory/input.ts';
import type { Fwmark, Netmask, PersistenceTimeout, Port, Protocol, Threshold, Vip, Weight } from '../inventory/model.ts';
import { parseIPv4 } from '../net/ipv4.ts';
import { DEFAULT_PERSISTENCE, DEFAULT_SCHEDULER } from './flags.ts';
import { IpvsSyntaxError, readLine, tokenize, type OptionValue, type Slot } from './options.ts';
import { readEndpoint, readInteger } from './values.ts';
import { destinationKey, type IpvsDestination, type IpvsForwarding, type IpvsService, type IpvsServiceId, type IpvsServiceSettings, type IpvsTable } from './table.ts';

/** A line that is not ipvsadm syntax (or not one `ipvsadm-save` writes): the table cannot be trusted. */
export class IpvsParseError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    readonly reason: string,
  ) {
    super(`ipvsadm-save line ${line}: ${reason}: ${text}`);
    this.name = 'IpvsParseError';
  }
}

export interface IpvsSave {
  /** The services lvsplay can represent, in the order the text lists them. */
  readonly table: IpvsTable;
  /**
   * The services it cannot (IPv6, a firewall-mark real server with a port, tunnels' gue/gre, --tun-port and checksum options, a scheduler
   * lvsplay does not know, a non-contiguous -M, a -b flag of another scheduler, --pe other than sip on a
   * persistent UDP service, -o on TCP or SCTP), in the order the text lists them: live, but not to be touched.
   * Keyed `fwmark 1`, `tcp [::1]:80` or by serviceKey, each with why, for reports: `-b flag-1 with scheduler wrr`.
   */
  readonly foreign: ReadonlyMap<string, string>;
}

/** ipvsadm's MAX_TIMEOUT: 31 days. */
const MAX_PERSISTENCE = 86400 * 31;

type Options = ReadonlyMap<Slot, OptionValue>;

/** What one line says about its service: representable as `value`, or foreign for `reason`. */
type Reading<T> = { readonly key: string } & ({ readonly value: T } | { readonly reason: string });

/** The service a line names: its key always, what identifies it when lvsplay can represent it. */
type ServiceEndpoint = { readonly key: string; readonly port: number } & ({ readonly id: IpvsServiceId } | { readonly reason: string });

/**
 * Reads `ipvsadm-save -n` output (or a rules file in that format). Blank lines are skipped, as ipvsadm -R
 * skips them; a `#` line is an error, because ipvsadm -R has no comments (config_stream.c's `#` test looks
 * at the separator, never the token) and would take it for a command.
 */
export function parseIpvsSave(text: string): IpvsSave {
  const services = new Map<string, { settings: IpvsServiceSettings; destinations: Map<string, IpvsDestination> }>();
  const foreign = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const tokens = tokenize(line);
    if (tokens.length === 0) return;
    const fail = (reason: string): never => {
      throw new IpvsParseError(index + 1, line.trim(), reason);
    };
    let reading: ReturnType<typeof readRule>;
    try {
      reading = readRule(tokens);
    } catch (error) {
      if (error instanceof IpvsSyntaxError) fail(error.message);
      throw error;
    }
    const { key } = reading;
    if (reading.kind === 'service') {
      if (services.has(key) || foreign.has(key)) fail(`${key} is added twice`);
      if ('reason' in reading) foreign.set(key, reading.reason);
      else services.set(key, { settings: reading.value, destinations: new Map() });
      return;
    }
    if (foreign.has(key)) return;
    const service = services.get(key) ?? fail(`a real server of ${key} comes before the service's -A line`);
    if ('reason' in reading) {
      // One real server lvsplay cannot represent makes the whole service foreign: editing the others could
      // still rewrite it (-e without -x/-y resets thresholds), so none of it is touched.
      services.delete(key);
      foreign.set(key, reading.reason);
      return;
    }
    const destination = reading.value;
    const id = destinationKey(destination);
    if (service.destinations.has(id)) fail(`real server ${id} is added twice to ${key}`);
    service.destinations.set(id, destination);
  });
  const table = [...services.values()].map(({ settings, destinations }): IpvsService => ({ ...settings, destinations: [...destinations.values()] }));
  return { table, foreign };
}

function readRule(tokens: readonly string[]): ({ kind: 'service' } & Reading<IpvsServiceSettings>) | ({ kind: 'destination' } & Reading<IpvsDestination>) {
  const { command, options } = readLine(tokens);
  const service = readServiceEndpoint(options);
  return command === 'add-service' ? { kind: 'service', ...readService(service, options) } : { kind: 'destination', ...readDestination(service, options) };
}

function readService(endpoint: ServiceEndpoint, options: Options): Reading<IpvsServiceSettings> {
  const scheduler = options.get('scheduler')?.arg ?? DEFAULT_SCHEDULER;
  const persistence = options.has('persistent') ? readPersistence(options.get('persistent')?.arg) : undefined;
  if ('reason' in endpoint) return { key: endpoint.key, reason: endpoint.reason };
  const { key, id } = endpoint;
  if (!isScheduler(scheduler)) return { key, reason: `scheduler ${scheduler}, which lvsplay does not know` };
  const extra = readServiceOptions(options, scheduler, id.protocol, persistence !== undefined);
  if ('reason' in extra) return { key, reason: extra.reason };
  const settings: IpvsServiceSettings = {
    ...id,
    scheduler,
    ...(persistence !== undefined && { persistence }),
    ...extra.value,
  };
  return { key, value: settings };
}

/**
 * -M, -b, --pe and -o as the inventory can say them (src/inventory/service-options.ts), or why not: a
 * netmask that is not contiguous, a flag of another scheduler (`flag-1`), another engine, -o on TCP.
 */
function readServiceOptions(
  options: Options,
  scheduler: Scheduler,
  /** Undefined for a firewall-mark service, whose packets may be of any protocol. */
  protocol: Protocol | undefined,
  persistent: boolean,
): { value: Pick<IpvsServiceSettings, 'netmask' | 'schedFlags' | 'pe' | 'onePacket'> } | { reason: string } {
  const written = (slot: Slot) => unmodelled(options, [slot]);
  const maskText = options.get('netmask')?.arg;
  const mask = maskText === undefined ? undefined : readNetmask(maskText);
  if (mask === null || (maskText !== undefined && !persistent)) return { reason: written('netmask') as string };
  const flags = readSchedFlags(options.get('sched-flags')?.arg, scheduler);
  if (flags === null) return { reason: `${written('sched-flags')} with scheduler ${scheduler}` };
  const pe = options.get('pe')?.arg;
  const kind = protocol ?? 'firewall-mark';
  if (pe !== undefined && (pe !== 'sip' || !persistent || protocol !== 'udp')) return { reason: `${written('pe')} on a ${persistent ? '' : 'non-persistent '}${kind} service` };
  const onePacket = options.has('ops');
  if (onePacket && protocol !== 'udp') return { reason: `-o on a ${kind} service` };
  return {
    value: {
      ...(mask !== undefined && { netmask: mask }),
      ...(flags !== undefined && { schedFlags: flags }),
      ...(pe === 'sip' && { pe }),
      ...(onePacket && { onePacket: true as const }),
    },
  };
}

/** A contiguous mask, undefined for 255.255.255.255 (no -M), or null for what the inventory cannot say. */
function readNetmask(text: string): Netmask | undefined | null {
  const address = parseIPv4(text);
  if (!address.ok) throw new IpvsSyntaxError(`netmask ${text} is not an IPv4 address`);
  const bits = address.value.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const inverted = 0xffffffff - bits;
  // A contiguous mask's inverse is 2^n - 1: one more than it is a power of two.
  if ((inverted & (inverted + 1)) !== 0) return null;
  return inverted === 0 ? undefined : (address.value as Netmask);
}

/** `sh-port,sh-fallback` in the kernel's bit order, or null when one is not a flag of `scheduler` lvsplay knows. */
function readSchedFlags(text: string | undefined, scheduler: Scheduler): SchedulerFlag[] | undefined | null {
  if (text === undefined) return undefined;
  const named = text.split(',');
  const own = SCHEDULER_FLAGS.filter((flag) => flag.startsWith(`${scheduler}-`));
  if (!named.every((flag) => (own as readonly string[]).includes(flag))) return null;
  return own.filter((flag) => named.includes(flag));
}

function readDestination(service: ServiceEndpoint, options: Options): Reading<IpvsDestination> {
  const real = readEndpoint(options.get('real-server')?.arg ?? '');
  const forwarding = (options.get('forward')?.tag ?? 'route') as IpvsForwarding;
  const weightText = options.get('weight')?.arg;
  const weight = weightText === undefined ? 1 : readInteger(weightText, 0, 65535, 'weight');
  const tunnelType = options.get('tun-type')?.arg;
  if (tunnelType !== undefined && forwarding !== 'tunnel') throw new IpvsSyntaxError('--tun-type needs -i');
  if (tunnelType !== undefined && !['ipip', 'gue', 'gre'].includes(tunnelType)) {
    throw new IpvsSyntaxError(`unknown tunnel type ${tunnelType}`);
  }
  // ipvsadm copies the service's port to a real server given without one, and forces it for -g and -i (a
  // firewall-mark service's port is 0: each packet keeps its own).
  const port = forwarding === 'masq' ? (real.port ?? service.port) : service.port;
  const { key } = service;
  if ('reason' in service) return { key, reason: service.reason };
  if (!real.address) return { key, reason: `IPv6 real server ${real.host}` };
  const option = unmodelled(options, ['tun-port', 'tun-csum']) ?? (tunnelType === 'gue' || tunnelType === 'gre' ? `--tun-type ${tunnelType}` : undefined);
  if (option !== undefined) return { key, reason: `${option} on ${real.address}:${port}` };
  const marked = service.id.fwmark !== undefined;
  if (port === 0 && !marked) return { key, reason: `real server ${real.address} with port 0` };
  // NAT to one port for every marked port: the inventory gives a mark's real servers no port.
  if (port !== 0 && marked) return { key, reason: `real server ${real.address}:${port} of a firewall-mark service` };
  const upper = readThreshold(options.get('u-threshold')?.arg, 'upper threshold');
  const lower = readThreshold(options.get('l-threshold')?.arg, 'lower threshold');
  // The kernel refuses a lower threshold above the upper one (-ERANGE), so only a rules file could say it.
  if ((lower ?? 0) > (upper ?? 0)) return { key, reason: `-y ${lower} above -x ${upper ?? 0} on ${real.address}:${port}` };
  const thresholds = { ...(upper !== undefined && { upperThreshold: upper }), ...(lower !== undefined && { lowerThreshold: lower }) };
  return { key, value: { address: real.address, port: port as Port | 0, forwarding, weight: weight as Weight, ...thresholds } };
}

/** The service a line names, and its key even when lvsplay cannot represent it. */
function readServiceEndpoint(options: Options): ServiceEndpoint {
  const { tag = '', arg = '' } = options.get('service') ?? {};
  const ipv6Mark = options.has('ipv6');
  if (tag === 'fwmark') {
    const fwmark = readMark(arg);
    if (ipv6Mark) return { key: `fwmark ${fwmark} ipv6`, port: 0, reason: 'IPv6 firewall-mark service' };
    return { key: `fwmark ${fwmark}`, port: 0, id: { fwmark } };
  }
  if (ipv6Mark) throw new IpvsSyntaxError('-6 is only for -f services');
  const endpoint = readEndpoint(arg);
  const port = endpoint.port ?? 0;
  const key = `${tag === 'unknown' ? 'unknown-protocol' : tag} ${endpoint.host}:${port}`;
  if (tag !== 'tcp' && tag !== 'udp' && tag !== 'sctp') return { key, port, reason: `${tag} protocol` };
  if (!endpoint.address) return { key, port, reason: 'IPv6 service' };
  if (port === 0) return { key, port, reason: 'port 0 (every port)' };
  return { key, port, id: { protocol: tag, vip: endpoint.address as Vip, port: port as Port } };
}

/**
 * A mark as ipvsadm-save prints it: with printf's %d, so a mark of 2^31 or more comes out negative (recorded:
 * `-A -f -1` for 4294967295, test/fixtures/facts/ipvsadm-save-n-fwmark.txt). Read back as the kernel's.
 */
function readMark(text: string): Fwmark {
  const negative = /^-\d+$/.test(text);
  const mark = negative ? 2 ** 32 - readInteger(text.slice(1), 1, 2 ** 31, 'fwmark') : readInteger(text, 1, 0xffffffff, 'fwmark');
  return mark as Fwmark;
}

/** -x or -y as ipvsadm reads it (0 to INT_MAX); 0, no threshold, is left out. Only a rules file has them. */
function readThreshold(text: string | undefined, what: string): Threshold | undefined {
  if (text === undefined) return undefined;
  const value = readInteger(text, 0, 2147483647, what);
  return value === 0 ? undefined : (value as Threshold);
}

function readPersistence(text: string | undefined): PersistenceTimeout {
  return (text === undefined ? DEFAULT_PERSISTENCE : readInteger(text, 1, MAX_PERSISTENCE, 'timeout')) as PersistenceTimeout;
}

/** The first option present that lvsplay does not model, as written: `-M 255.255.255.0`. */
function unmodelled(options: Options, slots: readonly Slot[]): string | undefined {
  for (const slot of slots) {
    const option = options.get(slot);
    if (option) return option.arg === undefined ? option.flag : `${option.flag} ${option.arg}`;
  }
  return undefined;
}

function isScheduler(name: string): name is Scheduler {
  return (SCHEDULERS as readonly string[]).includes(name);
}
