import type { IPv4 } from '../net/ipv4.ts';
import { becomeOf, parseBecome, type BecomeSetting } from './become.ts';
import { FieldReader, isRecord } from './fields.ts';
import { CHECK_FAILURE_ACTIONS, FORWARDING_METHODS, HEALTH_CHECK_TYPES, HOST_PRESENCES, PROTOCOLS, ROLE_NAMES, SCHEDULERS, type ForwardingMethod, type HostPresence, type RoleName } from './input.ts';
import type { IssueList } from './issues.ts';
import { parseIpvsTuning } from './ipvs-tuning.ts';
import { checkMarkedService, parseFirewallMark } from './fwmark.ts';
import { hostNameProblem, interfaceNameProblem, keyPathProblem, sshAddressProblem, sshUserProblem } from './names.ts';
import { fieldPath, label, listed, show } from './show.ts';
import { parseServiceOptions, parseThresholds, SERVICE_OPTION_FIELDS, type ServiceOptions } from './service-options.ts';
import { parseProxyJump } from '../ssh/config/values.ts';
import type { DrainTimeout, FirewallMark, HealthCheck, Host, Interface, JumpHop, PersistenceTimeout, Port, Protocol, Scheduler, SshSettings, Threshold, VirtualRouterId, Weight } from './model.ts';

/** A service as written: its real servers are still host names, resolved to addresses by `resolve.ts`. */
export interface DraftService extends ServiceOptions {
  readonly subject: string;
  readonly vip: IPv4;
  /** With `fwmark`, the first of its ports. */
  readonly port: Port;
  readonly fwmark?: FirewallMark;
  readonly protocol: Protocol;
  readonly scheduler: Scheduler;
  readonly forwarding?: ForwardingMethod;
  readonly persistence?: PersistenceTimeout;
  /** As written, the first preferred; `directorsField` says which field gave them, for messages. */
  readonly directors: readonly [string, ...string[]];
  readonly directorsField: 'director' | 'directors';
  readonly drainTimeout: DrainTimeout;
  readonly healthCheck?: HealthCheck;
  readonly vrrp?: DraftVrrp;
  readonly realServers: readonly DraftRealServer[];
}

/** `vrrp` as written: the router id is given or left for `resolve.ts` to number. */
export interface DraftVrrp {
  readonly virtualRouterId?: VirtualRouterId;
  readonly advertInterval: number;
  readonly unicast: boolean;
  readonly gateway?: IPv4;
}

export interface DraftRealServer {
  readonly field: string;
  readonly host: string;
  readonly port?: Port;
  readonly weight: Weight;
  readonly upperThreshold?: Threshold;
  readonly lowerThreshold?: Threshold;
}

export interface Draft {
  readonly hosts: readonly Host[];
  readonly services: readonly DraftService[];
}

const TOP_FIELDS = ['defaults', 'hosts', 'services'];
const DEFAULTS_FIELDS = ['ssh', 'become'];
const HOST_FIELDS = ['ssh', 'become', 'interfaces', 'gateway', 'roles', 'state', 'dip', 'extraAddresses', 'ipvs'];
const SSH_FIELDS = ['host', 'port', 'user', 'privateKey', 'proxyJump'];
const SERVICE_FIELDS = [
  'vip',
  'port',
  'fwmark',
  'ports',
  'protocol',
  'scheduler',
  'forwarding',
  'persistence',
  ...SERVICE_OPTION_FIELDS,
  'director',
  'directors',
  'drainTimeout',
  'healthCheck',
  'vrrp',
  'realServers',
];
const HEALTH_CHECK_FIELDS = ['type', 'path', 'status', 'digest', 'interval', 'timeout', 'retries', 'onFailure'];
const VRRP_FIELDS = ['virtualRouterId', 'advertInterval', 'unicast', 'gateway'];
/** Goes into keepalived.conf as one word: no space, quote, brace or comment sign (`#`, `!`) can end it. */
const URL_PATH = /^\/[A-Za-z0-9._~$&()*+,;=:@%/?-]*$/;
const MD5 = /^[0-9a-f]{32}$/;
const REAL_SERVER_FIELDS = ['host', 'port', 'weight', 'upperThreshold', 'lowerThreshold'];
const MAX_PERSISTENCE = 86400 * 31;
/** A minute: most requests finish well within it, and a run that drains waits no longer than that by default. */
const DEFAULT_DRAIN_TIMEOUT = 60 as DrainTimeout;
const MAX_DRAIN_TIMEOUT = 86400;

/** One SSH setting as given: undefined when absent, null when given but refused (the problem is recorded). */
type Setting<T> = T | null | undefined;

/** What `defaults` gives every host. */
interface HostDefaults {
  readonly ssh?: SshFields;
  readonly become?: BecomeSetting | null;
}

interface SshFields {
  readonly host: Setting<string>;
  readonly port: Setting<Port>;
  readonly user: Setting<string>;
  readonly privateKey: Setting<string>;
  readonly proxyJump: Setting<readonly JumpHop[]>;
}

/** Checks the shape and the value of every field; relations between hosts and services are `resolve.ts`'s. */
export function parseInventory(input: unknown, issues: IssueList): Draft | undefined {
  if (!isRecord(input)) {
    return issues.add('inventory', 'default export', `must be an object made with defineInventory({ hosts, services }), got ${show(input)}`);
  }
  const top = new FieldReader(issues, 'inventory', input);
  top.rejectUnknown(TOP_FIELDS);
  const defaults = parseDefaults(top);
  const hostRecords = top.object('hosts', true);
  const serviceList = top.list('services', 'virtual services');
  if (!hostRecords || !serviceList) return undefined;

  const hosts = Object.entries(hostRecords).flatMap(([name, record]) => {
    const host = parseHost(issues, name, record, defaults);
    return host ? [host] : [];
  });
  const services = serviceList.flatMap((record, index) => {
    const service = parseService(issues, index, record);
    return service ? [service] : [];
  });
  if (Object.keys(hostRecords).length === 0) top.problem('hosts', 'names no host');
  return { hosts, services };
}

function parseDefaults(top: FieldReader): HostDefaults {
  const defaults = top.object('defaults', false);
  if (!defaults) return {};
  const reader = top.child('defaults', defaults);
  reader.rejectUnknown(DEFAULTS_FIELDS);
  const ssh = reader.object('ssh', false);
  const become = parseBecome(reader);
  return { ...(ssh && { ssh: parseSshSettings(reader.child('ssh', ssh)) }), ...(become !== undefined && { become }) };
}

function parseHost(issues: IssueList, name: string, record: unknown, defaults: HostDefaults): Host | undefined {
  const before = issues.items.length;
  const nameProblem = hostNameProblem(name);
  if (nameProblem) issues.add('inventory', fieldPath('hosts', name), nameProblem);
  if (!isRecord(record)) return issues.add('inventory', fieldPath('hosts', name), `must be an object, got ${show(record)}`);
  const reader = new FieldReader(issues, `host ${label(name)}`, record);
  reader.rejectUnknown(HOST_FIELDS);
  const sshRecord = reader.object('ssh', false);
  const ownSsh = sshRecord ? parseSshSettings(reader.child('ssh', sshRecord)) : undefined;
  const ssh = nameProblem ? undefined : sshSettings(reader, name, ownSsh, defaults.ssh);
  const become = becomeOf(parseBecome(reader), defaults.become);
  const interfaces = parseInterfaces(reader, 'interfaces', true);
  const extraAddresses = parseInterfaces(reader, 'extraAddresses', false);
  const gateway = reader.ipv4('gateway', false, 'gateway');
  const dip = reader.ipv4('dip', false, 'dip');
  const state = reader.oneOf<HostPresence>('state', HOST_PRESENCES, 'present');
  const roles = parseRoles(reader, state === 'absent');
  const ipvs = parseIpvsTuning(reader);
  if (issues.items.length > before || !ssh || become === null || !interfaces || !extraAddresses || !roles || !state) return undefined;
  return { name, ssh, interfaces, roles, state, extraAddresses, ...(become && { become }), ...(gateway && { gateway }), ...(dip && { dip }), ...(ipvs && { ipvs }) };
}

function parseSshSettings(reader: FieldReader): SshFields {
  reader.rejectUnknown(SSH_FIELDS);
  const given = (field: string): null | undefined => (reader.has(field) ? null : undefined);
  return {
    host: reader.string('host', false, sshAddressProblem) ?? given('host'),
    port: (reader.integer('port', 1, 65535, false) as Port | undefined) ?? given('port'),
    user: reader.string('user', false, sshUserProblem) ?? given('user'),
    privateKey: reader.string('privateKey', false, keyPathProblem) ?? given('privateKey'),
    proxyJump: parseJumps(reader) ?? given('proxyJump'),
  };
}

/** ProxyJump as OpenSSH writes it (`deploy@bastion:2222,other`, or `none`); each hop a safe address or alias. */
function parseJumps(reader: FieldReader): JumpHop[] | undefined {
  const text = reader.string('proxyJump', false, (value) => (value.includes('#') ? "contains '#', which ssh would read as a comment" : undefined));
  if (text === undefined) return undefined;
  const parsed = parseProxyJump(text);
  if (!parsed.ok) return reader.problem('proxyJump', parsed.message);
  for (const hop of parsed.value) {
    const problem = sshAddressProblem(hop.host) ?? (hop.user === undefined ? undefined : sshUserProblem(hop.user));
    if (problem) return reader.problem('proxyJump', `${show(text)}: ${hop.user === undefined || sshAddressProblem(hop.host) ? show(hop.host) : show(hop.user)} ${problem}`);
  }
  return parsed.value;
}

/**
 * The host's own settings over `defaults.ssh`. What neither gives is left for ~/.ssh/config and then the
 * defaults (src/ssh/reach.ts); without ssh.host the host's name is the alias, so it must be one ssh can use.
 */
function sshSettings(reader: FieldReader, name: string, own: SshFields | undefined, defaults: SshFields | undefined): SshSettings | undefined {
  const setting = <K extends keyof SshFields>(field: K): SshFields[K] => (own?.[field] !== undefined ? own[field] : defaults?.[field]);
  const [host, port, user, privateKey, proxyJump] = [setting('host'), setting('port'), setting('user'), setting('privateKey'), setting('proxyJump')];
  if (host === null || port === null || user === null || privateKey === null || proxyJump === null) return undefined;
  const nameAsAddress = host === undefined ? sshAddressProblem(name) : undefined;
  if (nameAsAddress) return reader.problem('ssh.host', `is not set, so it would be the host's name, which ${nameAsAddress}: give ssh.host`);
  return {
    ...(host !== undefined && { host }),
    ...(port !== undefined && { port }),
    ...(user !== undefined && { user }),
    ...(privateKey !== undefined && { privateKey }),
    ...(proxyJump !== undefined && { proxyJump }),
  };
}

function parseInterfaces(reader: FieldReader, field: string, required: boolean): Interface[] | undefined {
  const record = reader.object(field, required);
  if (!record) return required ? undefined : [];
  if (required && Object.keys(record).length === 0) return reader.problem(field, 'names no interface');
  const interfaces: Interface[] = [];
  for (const [name, value] of Object.entries(record)) {
    const path = fieldPath(field, name);
    const badName = interfaceNameProblem(name);
    if (badName) {
      reader.problem(path, badName);
      continue;
    }
    const addresses = reader.interfaceAddresses(path, value);
    if (addresses) interfaces.push({ name, addresses });
  }
  return interfaces;
}

/** An absent host needs no role: lvsplay only undoes there what its manifest records. */
function parseRoles(reader: FieldReader, absent: boolean): RoleName[] | undefined {
  const value = reader.raw('roles');
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    if (absent) return [];
    return reader.problem('roles', `is empty: give the host at least one role (${ROLE_NAMES.join(', ')}), or mark it state: 'absent' to have lvsplay undo what it made there`);
  }
  if (!Array.isArray(value)) return reader.problem('roles', `must be a list of roles, got ${show(value)}`);
  const unknown = Array.from(value).filter((role) => !(ROLE_NAMES as readonly unknown[]).includes(role));
  if (unknown.length > 0) {
    const verb = unknown.length === 1 ? 'is not a role' : 'are not roles';
    return reader.problem('roles', `${listed(unknown.map(show))} ${verb} (known: ${ROLE_NAMES.join(', ')})`);
  }
  return [...new Set(value as RoleName[])];
}

function parseService(issues: IssueList, index: number, record: unknown): DraftService | undefined {
  const before = issues.items.length;
  if (!isRecord(record)) return issues.add('inventory', `services[${index}]`, `must be an object, got ${show(record)}`);
  const reader = new FieldReader(issues, serviceLabel(index, record), record);
  reader.rejectUnknown(SERVICE_FIELDS);
  const vip = reader.ipv4('vip', true, 'vip');
  const fwmark = parseFirewallMark(reader);
  const port = fwmark === undefined ? (reader.integer('port', 1, 65535, true) as Port | undefined) : fwmark?.ports[0];
  const protocol = reader.oneOf('protocol', PROTOCOLS, 'tcp');
  const scheduler = reader.oneOf('scheduler', SCHEDULERS, 'wlc');
  const forwarding = reader.has('forwarding') ? reader.oneOf('forwarding', FORWARDING_METHODS, undefined) : undefined;
  const persistence = reader.integer('persistence', 1, MAX_PERSISTENCE, false) as PersistenceTimeout | undefined;
  const options = parseServiceOptions(reader, { protocol, scheduler, persistent: reader.has('persistence') });
  const directors = parseDirectors(reader);
  const drainTimeout = (reader.integer('drainTimeout', 0, MAX_DRAIN_TIMEOUT, false) ?? DEFAULT_DRAIN_TIMEOUT) as DrainTimeout;
  const healthCheck = parseHealthCheck(reader);
  const vrrp = parseVrrp(reader, directors);
  const realServers = parseRealServers(reader);
  if (directors && realServers) checkKeepalivedOptions(reader, { ...directors, protocol, forwarding, healthCheck, realServers });
  if (fwmark && directors && realServers) {
    const keepalived = directors.directors.length > 1 ? 'several directors' : healthCheck ? 'a health check' : undefined;
    const realServerPorts = realServers.filter((rs) => rs.port !== undefined).map((rs) => rs.field);
    checkMarkedService(reader, { onePacket: options.onePacket === true, persistenceEngine: options.persistenceEngine !== undefined, keepalived, realServerPorts });
  }
  if (issues.items.length > before || !vip || !port || !protocol || !scheduler || !directors || !realServers) return undefined;
  return {
    subject: reader.subject,
    vip,
    port,
    protocol,
    scheduler,
    ...directors,
    drainTimeout,
    realServers,
    ...(fwmark && { fwmark }),
    ...(forwarding && { forwarding }),
    ...(persistence && { persistence }),
    ...options,
    ...(healthCheck && { healthCheck }),
    ...(vrrp && { vrrp }),
  };
}

/** `director: 'lvs'` or `directors: ['lvs1', 'lvs2']`, exactly one of them. */
function parseDirectors(reader: FieldReader): Pick<DraftService, 'directors' | 'directorsField'> | undefined {
  if (reader.has('director') && reader.has('directors')) return reader.problem('directors', 'and director are both given: name one director, or two or more directors');
  if (!reader.has('directors')) {
    const director = reader.string('director', false);
    if (director !== undefined) return { directors: [director], directorsField: 'director' };
    return reader.has('director') ? undefined : reader.problem('director', 'is required (or directors, for two or more)');
  }
  const list = reader.list('directors', 'host names');
  if (!list) return undefined;
  if (list.length < 2) return reader.problem('directors', `names ${list.length === 0 ? 'no host' : 'one host'}: give two or more, the first preferred (or director, for one)`);
  const names = list.map((name, index) => (typeof name === 'string' && name.trim() !== '' ? name : reader.problem(`directors[${index}]`, `must be a host name, got ${show(name)}`)));
  if (!names.every((n): n is string => n !== undefined)) return undefined;
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) return reader.problem('directors', `names ${show(twice)} twice`);
  return { directors: names as [string, ...string[]], directorsField: 'directors' };
}

function parseHealthCheck(service: FieldReader): HealthCheck | undefined {
  const record = service.object('healthCheck', false);
  if (!record) return undefined;
  const reader = service.child('healthCheck', record);
  reader.rejectUnknown(HEALTH_CHECK_FIELDS);
  const type = reader.oneOf('type', HEALTH_CHECK_TYPES, undefined);
  const timing = {
    interval: reader.integer('interval', 1, 3600, false) ?? 5,
    timeout: reader.integer('timeout', 1, 3600, false) ?? 3,
    retries: reader.integer('retries', 1, 10, false) ?? 2,
    onFailure: reader.oneOf('onFailure', CHECK_FAILURE_ACTIONS, 'remove'),
  };
  if (type === 'tcp') {
    for (const field of ['path', 'status', 'digest']) if (reader.has(field)) reader.problem(field, 'is for http and https checks; a tcp check only connects');
  }
  const path = reader.string('path', false, (text) => (URL_PATH.test(text) ? undefined : 'must start with / and hold only URL characters (no space, quote, brace, # or !)')) ?? '/';
  const status = reader.integer('status', 100, 599, false) ?? 200;
  const digest = reader.string('digest', false, (text) => (MD5.test(text) ? undefined : 'must be an MD5 in lowercase hex (32 characters), as genhash prints it'));
  if (!type || !timing.onFailure) return undefined;
  const { onFailure } = timing;
  if (type === 'tcp') return { type, ...timing, onFailure };
  return { type, ...timing, onFailure, path, status, ...(digest && { digest }) };
}

function parseVrrp(service: FieldReader, directors: Pick<DraftService, 'directors'> | undefined): DraftVrrp | undefined {
  const record = service.object('vrrp', false);
  if (!record) return directors && directors.directors.length > 1 ? { advertInterval: 1, unicast: false } : undefined;
  if (directors && directors.directors.length < 2) return service.problem('vrrp', 'is for a service with two or more directors, whose VIP VRRP moves between them');
  const reader = service.child('vrrp', record);
  reader.rejectUnknown(VRRP_FIELDS);
  const virtualRouterId = reader.integer('virtualRouterId', 1, 255, false) as VirtualRouterId | undefined;
  const advertInterval = reader.integer('advertInterval', 1, 255, false) ?? 1;
  const unicast = reader.boolean('unicast', false);
  const gateway = reader.ipv4('gateway', false, 'gateway');
  if (unicast === undefined || (reader.has('gateway') && !gateway)) return undefined;
  return { advertInterval, unicast, ...(virtualRouterId !== undefined && { virtualRouterId }), ...(gateway && { gateway }) };
}

function parseRealServers(service: FieldReader): DraftRealServer[] | undefined {
  const list = service.raw('realServers');
  if (list === undefined || (Array.isArray(list) && list.length === 0)) {
    return service.problem('realServers', 'is empty: a virtual service needs at least one real server');
  }
  const records = service.list('realServers', 'real servers');
  if (!records) return undefined;
  const parsed = records.map((record: unknown, index) => {
    const field = `realServers[${index}]`;
    if (!isRecord(record)) return service.problem(field, `must be an object like { host: 'rs1' }, got ${show(record)}`);
    const reader = service.child(field, record);
    reader.rejectUnknown(REAL_SERVER_FIELDS);
    const host = reader.string('host', true);
    const port = reader.integer('port', 1, 65535, false) as Port | undefined;
    const weight = reader.integer('weight', 0, 65535, false) ?? 1;
    const thresholds = parseThresholds(reader);
    return host === undefined || !thresholds ? undefined : { field, host, weight: weight as Weight, ...(port && { port }), ...thresholds };
  });
  return parsed.every((rs) => rs !== undefined) ? (parsed as DraftRealServer[]) : undefined;
}

/**
 * keepalived writes the table of a service with several directors or a health check, from its own
 * configuration, which lvsplay does not render these options into yet: refused rather than left out.
 */
function checkKeepalivedOptions(
  reader: FieldReader,
  service: Pick<DraftService, 'directors' | 'realServers' | 'forwarding'> & { readonly protocol: Protocol | undefined; readonly healthCheck: HealthCheck | undefined },
): void {
  if (service.directors.length < 2 && service.healthCheck === undefined) return;
  const why = `is not supported yet on a service keepalived manages (${service.directors.length > 1 ? 'several directors' : 'a health check'}): lvsplay does not write it into keepalived.conf`;
  for (const field of SERVICE_OPTION_FIELDS) if (reader.has(field)) reader.problem(field, why);
  if (service.protocol === 'sctp') reader.problem('protocol', `sctp ${why}`);
  if (service.forwarding === 'tun') reader.problem('forwarding', `tun ${why}`);
  service.realServers.forEach((rs) => {
    for (const field of ['upperThreshold', 'lowerThreshold'] as const) if (rs[field] !== undefined) reader.problem(`${rs.field}.${field}`, why);
  });
}

// Errors name a service the way ipvsadm -Ln shows it, built from its fields as written (each shown safely,
// since they are not checked yet); without a VIP, by its position.
function serviceLabel(index: number, record: Record<string, unknown>): string {
  const { vip, protocol, port, fwmark, ports } = record;
  if (typeof vip !== 'string') return `services[${index}]`;
  const protocolLabel = typeof protocol === 'string' ? label(protocol) : 'tcp';
  if (typeof fwmark === 'number') {
    const portsLabel = Array.isArray(ports) && ports.length > 0 ? ports.map((p) => (typeof p === 'number' ? String(p) : '?')).join(',') : '?';
    return `service fwmark ${fwmark} (${protocolLabel} ${label(vip)}:${portsLabel})`;
  }
  const portLabel = typeof port === 'number' ? String(port) : typeof port === 'string' ? label(port) : '?';
  return `service ${protocolLabel} ${label(vip)}:${portLabel}`;
}
