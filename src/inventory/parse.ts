import type { IPv4 } from '../net/ipv4.ts';
import { FieldReader, isRecord, show } from './fields.ts';
import { FORWARDING_METHODS, PROTOCOLS, ROLE_NAMES, SCHEDULERS, type ForwardingMethod, type RoleName } from './input.ts';
import { IssueList } from './issues.ts';
import type { Host, Interface, PersistenceTimeout, Port, Protocol, Scheduler, SshTarget, Weight } from './model.ts';

/** A service as written: its real servers are still host names, resolved to addresses by `resolve.ts`. */
export interface DraftService {
  readonly subject: string;
  readonly vip: IPv4;
  readonly port: Port;
  readonly protocol: Protocol;
  readonly scheduler: Scheduler;
  readonly forwarding?: ForwardingMethod;
  readonly persistence?: PersistenceTimeout;
  readonly director: string;
  readonly realServers: readonly DraftRealServer[];
}

export interface DraftRealServer {
  readonly field: string;
  readonly host: string;
  readonly port?: Port;
  readonly weight: Weight;
}

export interface Draft {
  readonly hosts: readonly Host[];
  readonly services: readonly DraftService[];
}

const HOST_FIELDS = ['ssh', 'interfaces', 'gateway', 'roles', 'dip', 'extraAddresses'];
const SSH_FIELDS = ['host', 'port', 'user', 'privateKey'];
const SERVICE_FIELDS = ['vip', 'port', 'protocol', 'scheduler', 'forwarding', 'persistence', 'director', 'realServers'];
const REAL_SERVER_FIELDS = ['host', 'port', 'weight'];
const MAX_PERSISTENCE = 86400 * 31;

/** Checks the shape and the value of every field; relations between hosts and services are `rules.ts`'s. */
export function parseInventory(input: unknown, issues: IssueList): Draft | undefined {
  const top = new FieldReader(issues, 'inventory', isRecord(input) ? input : {});
  if (!isRecord(input)) {
    top.problem('default export', `must be an object made with defineInventory({ hosts, services }), got ${show(input)}`);
    return undefined;
  }
  top.rejectUnknown(['defaults', 'hosts', 'services']);
  const defaults = top.object('defaults', false);
  const defaultSsh = defaults ? new FieldReader(issues, 'inventory', defaults, 'defaults.').object('ssh', false) : undefined;
  const hostRecords = top.object('hosts', true);
  const serviceList = top.raw('services');
  if (!Array.isArray(serviceList)) top.problem('services', `must be a list of virtual services, got ${show(serviceList)}`);
  if (!hostRecords || !Array.isArray(serviceList)) return undefined;

  const hosts = Object.entries(hostRecords).flatMap(([name, record]) => {
    const host = parseHost(issues, name, record, defaultSsh ?? {});
    return host ? [host] : [];
  });
  const services = serviceList.flatMap((record, index) => {
    const service = parseService(issues, index, record);
    return service ? [service] : [];
  });
  if (hosts.length === 0) top.problem('hosts', 'names no host');
  return { hosts, services };
}

function parseHost(issues: IssueList, name: string, record: unknown, defaultSsh: Record<string, unknown>): Host | undefined {
  const before = issues.items.length;
  const reader = new FieldReader(issues, `host ${name}`, isRecord(record) ? record : {});
  if (!isRecord(record)) return reader.problem('', `must be an object, got ${show(record)}`);
  reader.rejectUnknown(HOST_FIELDS);
  const ssh = parseSsh(reader, name, { ...defaultSsh, ...(reader.object('ssh', false) ?? {}) });
  const interfaces = parseInterfaces(reader, 'interfaces', true);
  const extraAddresses = parseInterfaces(reader, 'extraAddresses', false);
  const gateway = reader.ipv4('gateway', false);
  const dip = reader.ipv4('dip', false);
  const roles = parseRoles(reader);
  if (issues.items.length > before || !ssh || !interfaces || !extraAddresses || !roles) return undefined;
  return { name, ssh, interfaces, roles, extraAddresses, ...(gateway && { gateway }), ...(dip && { dip }) };
}

function parseSsh(host: FieldReader, name: string, record: Record<string, unknown>): SshTarget | undefined {
  const reader = host.child('ssh', record);
  reader.rejectUnknown(SSH_FIELDS);
  const address = reader.string('host', false) ?? name;
  const port = reader.integer('port', 1, 65535, false) ?? 22;
  const user = reader.string('user', false) ?? 'root';
  const privateKey = reader.string('privateKey', false);
  return { host: address, port: port as Port, user, ...(privateKey && { privateKey }) };
}

function parseInterfaces(reader: FieldReader, field: string, required: boolean): Interface[] | undefined {
  const record = reader.object(field, required);
  if (!record) return required ? undefined : [];
  if (required && Object.keys(record).length === 0) return reader.problem(field, 'names no interface');
  const interfaces: Interface[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) {
      reader.problem(`${field}.${name}`, 'is not a Linux interface name (1 to 15 letters, digits, . _ -)');
      continue;
    }
    const addresses = reader.cidrs(`${field}.${name}`, value);
    if (addresses) interfaces.push({ name, addresses });
  }
  return interfaces;
}

function parseRoles(reader: FieldReader): RoleName[] | undefined {
  const value = reader.raw('roles');
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    return reader.problem('roles', `is empty: give the host at least one role (${ROLE_NAMES.join(', ')})`);
  }
  if (!Array.isArray(value)) return reader.problem('roles', `must be a list of roles, got ${show(value)}`);
  const unknown = value.filter((role) => !(ROLE_NAMES as readonly unknown[]).includes(role));
  if (unknown.length > 0) {
    return reader.problem('roles', `${unknown.map(show).join(', ')} is not a role (known: ${ROLE_NAMES.join(', ')})`);
  }
  return [...new Set(value as RoleName[])];
}

function parseService(issues: IssueList, index: number, record: unknown): DraftService | undefined {
  const before = issues.items.length;
  const reader = new FieldReader(issues, serviceLabel(index, record), isRecord(record) ? record : {});
  if (!isRecord(record)) return reader.problem('', `must be an object, got ${show(record)}`);
  reader.rejectUnknown(SERVICE_FIELDS);
  const vip = reader.ipv4('vip', true);
  const port = reader.integer('port', 1, 65535, true) as Port | undefined;
  const protocol = reader.oneOf('protocol', PROTOCOLS, 'tcp');
  const scheduler = reader.oneOf('scheduler', SCHEDULERS, 'wlc');
  const forwarding = reader.has('forwarding') ? reader.oneOf('forwarding', FORWARDING_METHODS, undefined) : undefined;
  const persistence = reader.integer('persistence', 1, MAX_PERSISTENCE, false) as PersistenceTimeout | undefined;
  const director = reader.string('director', true);
  const realServers = parseRealServers(reader);
  if (issues.items.length > before || !vip || !port || !protocol || !scheduler || !director || !realServers) return undefined;
  return {
    subject: reader.subject,
    vip, port, protocol, scheduler, director, realServers,
    ...(forwarding && { forwarding }),
    ...(persistence && { persistence }),
  };
}

function parseRealServers(service: FieldReader): DraftRealServer[] | undefined {
  const list = service.raw('realServers');
  if (list === undefined || (Array.isArray(list) && list.length === 0)) {
    return service.problem('realServers', 'is empty: a virtual service needs at least one real server');
  }
  if (!Array.isArray(list)) return service.problem('realServers', `must be a list, got ${show(list)}`);
  const parsed = list.map((record: unknown, index) => {
    const field = `realServers[${index}]`;
    if (!isRecord(record)) return service.problem(field, `must be an object like { host: 'rs1' }, got ${show(record)}`);
    const reader = service.child(field, record);
    reader.rejectUnknown(REAL_SERVER_FIELDS);
    const host = reader.string('host', true);
    const port = reader.integer('port', 1, 65535, false) as Port | undefined;
    const weight = reader.integer('weight', 0, 65535, false) ?? 1;
    return host === undefined ? undefined : { field, host, weight: weight as Weight, ...(port && { port }) };
  });
  return parsed.every((rs) => rs !== undefined) ? (parsed as DraftRealServer[]) : undefined;
}

// Errors name a service the way ipvsadm -Ln shows it; before its fields are checked, by its position.
function serviceLabel(index: number, record: unknown): string {
  if (!isRecord(record) || typeof record.vip !== 'string') return `services[${index}]`;
  const protocol = typeof record.protocol === 'string' ? record.protocol : 'tcp';
  return `service ${protocol} ${record.vip}:${String(record.port)}`;
}
