import { SCHEDULERS, type Scheduler } from '../inventory/input.ts';
import type { PersistenceTimeout, Port, Protocol, Vip, Weight } from '../inventory/model.ts';
import { DEFAULT_PERSISTENCE, DEFAULT_SCHEDULER } from './flags.ts';
import { IpvsSyntaxError, readLine, tokenize, type OptionValue, type Slot } from './options.ts';
import { readEndpoint, readInteger } from './values.ts';
import { destinationKey, type IpvsDestination, type IpvsForwarding, type IpvsService, type IpvsServiceSettings, type IpvsTable } from './table.ts';

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
   * The services it cannot (fwmark, IPv6, sctp, -M, --pe, -o, -b, thresholds, gue/gre tunnels, a scheduler
   * lvsplay does not know), in the order the text lists them: live, but not to be touched. Keyed `fwmark 1`,
   * `tcp [::1]:80` or by serviceKey, each with why, for reports: `-M 255.255.255.0`.
   */
  readonly foreign: ReadonlyMap<string, string>;
}

/** ipvsadm's MAX_TIMEOUT: 31 days. */
const MAX_PERSISTENCE = 86400 * 31;

type Options = ReadonlyMap<Slot, OptionValue>;

/** What one line says about its service: representable as `value`, or foreign for `reason`. */
type Reading<T> = { readonly key: string } & ({ readonly value: T } | { readonly reason: string });

/** The service a line names: its key always, its fields when lvsplay can represent it. */
type ServiceEndpoint = { readonly key: string; readonly port: number } & ({ readonly protocol: Protocol; readonly vip: Vip } | { readonly reason: string });

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
  const { key, protocol, vip, port } = endpoint;
  const reason = unmodelled(options, ['netmask', 'pe', 'ops', 'sched-flags']) ?? (isScheduler(scheduler) ? undefined : `scheduler ${scheduler}, which lvsplay does not know`);
  if (reason !== undefined) return { key, reason };
  const settings: IpvsServiceSettings = {
    protocol,
    vip,
    port: port as Port,
    scheduler: scheduler as Scheduler,
    ...(persistence !== undefined && { persistence }),
  };
  return { key, value: settings };
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
  // ipvsadm copies the service's port to a real server given without one, and forces it for -g and -i.
  const port = forwarding === 'masq' ? (real.port ?? service.port) : service.port;
  const { key } = service;
  if ('reason' in service) return { key, reason: service.reason };
  if (!real.address) return { key, reason: `IPv6 real server ${real.host}` };
  const option = unmodelled(options, ['u-threshold', 'l-threshold', 'tun-port', 'tun-csum']) ?? (tunnelType === 'gue' || tunnelType === 'gre' ? `--tun-type ${tunnelType}` : undefined);
  if (option !== undefined) return { key, reason: `${option} on ${real.address}:${port}` };
  if (port === 0) return { key, reason: `real server ${real.address} with port 0` };
  return { key, value: { address: real.address, port: port as Port, forwarding, weight: weight as Weight } };
}

/** The service a line names, and its key even when lvsplay cannot represent it. */
function readServiceEndpoint(options: Options): ServiceEndpoint {
  const { tag = '', arg = '' } = options.get('service') ?? {};
  const ipv6Mark = options.has('ipv6');
  if (tag === 'fwmark') {
    const mark = readInteger(arg, 1, 0xffffffff, 'fwmark');
    const key = `fwmark ${mark}${ipv6Mark ? ' ipv6' : ''}`;
    return { key, port: 0, reason: 'firewall-mark service' };
  }
  if (ipv6Mark) throw new IpvsSyntaxError('-6 is only for -f services');
  const endpoint = readEndpoint(arg);
  const port = endpoint.port ?? 0;
  const key = `${tag === 'unknown' ? 'unknown-protocol' : tag} ${endpoint.host}:${port}`;
  if (tag !== 'tcp' && tag !== 'udp') return { key, port, reason: `${tag} protocol` };
  if (!endpoint.address) return { key, port, reason: 'IPv6 service' };
  if (port === 0) return { key, port, reason: 'port 0 (every port)' };
  return { key, protocol: tag, vip: endpoint.address as Vip, port };
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
