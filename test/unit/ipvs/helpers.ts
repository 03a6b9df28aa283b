import type { Fwmark, Netmask, PersistenceEngine, PersistenceTimeout, Port, Protocol, Scheduler, SchedulerFlag, Threshold, Vip, Weight } from '../../../src/inventory/model.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import { destinationKey, serviceKey, type IpvsDestination, type IpvsForwarding, type IpvsService, type IpvsServiceSettings, type IpvsTable } from '../../../src/ipvs/table.ts';

/**
 * A service in one line, so that cases read as data: `svc('tcp 172.16.10.81:80 wrr', '192.168.10.71:80 masq 1')`,
 * with persistence as a fourth word: `svc('tcp 1.2.3.4:80 rr 300')`.
 */
export function svc(spec: string, ...destinations: string[]): IpvsService {
  const [protocol, endpoint = '', scheduler, persistence] = spec.split(' ');
  const [vip, port] = splitEndpoint(endpoint);
  // `fwmark 1 rr`: a firewall-mark service.
  const id = protocol === 'fwmark' ? { fwmark: Number(endpoint) as Fwmark } : { protocol: protocol as Protocol, vip: vip as Vip, port: port as Port };
  return {
    ...id,
    scheduler: scheduler as Scheduler,
    ...(persistence !== undefined && { persistence: Number(persistence) as PersistenceTimeout }),
    destinations: destinations.map(dest),
  };
}

/** `'192.168.10.71:80 masq 1'`, with thresholds as fourth and fifth words: `'192.168.10.71:80 route 1 100 50'`. */
export function dest(spec: string): IpvsDestination {
  const [endpoint = '', forwarding, weight, upper, lower] = spec.split(' ');
  const [address, port] = splitEndpoint(endpoint);
  return {
    address: address as IPv4,
    port: port as Port,
    forwarding: forwarding as IpvsForwarding,
    weight: Number(weight) as Weight,
    ...(upper !== undefined && { upperThreshold: Number(upper) as Threshold }),
    ...(lower !== undefined && { lowerThreshold: Number(lower) as Threshold }),
  };
}

function splitEndpoint(text: string): [string, number] {
  const colon = text.lastIndexOf(':');
  return [text.slice(0, colon), Number(text.slice(colon + 1))];
}

/** Joins lines into `ipvsadm-save` output: one per line, newline-terminated. */
export function saved(...lines: string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}

const FORWARDING: Record<string, IpvsForwarding> = { '-g': 'route', '-m': 'masq', '-i': 'tunnel' };

interface LiveService {
  settings: IpvsServiceSettings;
  destinations: Map<string, IpvsDestination>;
}

/**
 * What `ipvsadm -R` does with -A/-E/-D/-a/-e/-d lines, written from ipvsadm.c and the kernel's
 * ip_vs_ctl.c independently of src/ipvs: an edit replaces every setting, and what a line leaves out
 * takes ipvsadm's default (wlc, no persistence; weight 1, -g). It throws where ipvsadm reports an error
 * (service or server already there, or missing), so a delta that relies on a mistake fails the test.
 */
export function applyRestore(table: IpvsTable, lines: readonly string[]): IpvsTable {
  const live = new Map<string, LiveService>();
  for (const service of table) {
    const { destinations, ...settings } = service;
    live.set(serviceKey(service), { settings, destinations: new Map(destinations.map((d) => [destinationKey(d), d])) });
  }
  for (const line of lines) applyLine(live, line);
  return [...live.values()].map(({ settings, destinations }) => ({ ...settings, destinations: [...destinations.values()] }));
}

function applyLine(live: Map<string, LiveService>, line: string): void {
  const [command, protocolFlag, endpoint = '', ...rest] = line.split(' ');
  const protocol: Protocol = protocolFlag === '-t' ? 'tcp' : protocolFlag === '-u' ? 'udp' : protocolFlag === '--sctp-service' ? 'sctp' : fail(line, 'protocol');
  const [vip, port] = splitEndpoint(endpoint);
  const key = `${protocol} ${vip}:${port}`;
  const options = readSimOptions(rest, line);
  const service = live.get(key);
  const settings = (): IpvsServiceSettings => ({
    protocol,
    vip: vip as Vip,
    port: port as Port,
    scheduler: (options.get('-s') ?? 'wlc') as Scheduler,
    ...(options.has('-p') && { persistence: Number(options.get('-p') || 360) as PersistenceTimeout }),
    // The kernel keeps a netmask and an engine only with persistence (ipvsadm-save prints them only then).
    ...(options.has('-p') && options.has('-M') && options.get('-M') !== '255.255.255.255' && { netmask: options.get('-M') as Netmask }),
    ...(options.has('-p') && options.has('--pe') && { pe: options.get('--pe') as PersistenceEngine }),
    ...(options.has('-o') && { onePacket: true as const }),
    ...(options.has('-b') && { schedFlags: (['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'] as SchedulerFlag[]).filter((f) => options.get('-b')?.split(',').includes(f)) }),
  });
  switch (command) {
    case '-A':
      if (service) fail(line, 'Service already exists');
      live.set(key, { settings: settings(), destinations: new Map() });
      return;
    case '-E':
      (service ?? fail(line, 'No such service')).settings = settings();
      return;
    case '-D':
      if (!live.delete(key)) fail(line, 'No such service');
      return;
  }
  const target = service ?? fail(line, 'No such service');
  const destination = simDestination(options, port, command === '-d', line);
  const id = destinationKey(destination);
  const exists = target.destinations.has(id);
  if (command === '-a' && exists) fail(line, 'Destination already exists');
  if ((command === '-e' || command === '-d') && !exists) fail(line, 'No such destination');
  if (command === '-d') target.destinations.delete(id);
  else if (command === '-a' || command === '-e') target.destinations.set(id, destination);
  else fail(line, 'command');
}

function simDestination(options: Map<string, string>, servicePort: number, deleting: boolean, line: string): IpvsDestination {
  const forwardingFlags = [...options.keys()].filter((flag) => flag in FORWARDING);
  if (forwardingFlags.length > 1) fail(line, 'two forwarding methods');
  const forwarding = FORWARDING[forwardingFlags[0] ?? '-g'] as IpvsForwarding;
  const [address, port] = splitEndpoint(options.get('-r') ?? fail(line, '-r'));
  return {
    address: address as IPv4,
    // ipvsadm forces the service's port for -a and -e with -g or -i; -d names the server as written.
    port: (forwarding === 'masq' || deleting ? port : servicePort) as Port,
    forwarding,
    weight: Number(options.get('-w') ?? 1) as Weight,
    // -a and -e set both thresholds: one left out is 0, none.
    ...(Number(options.get('-x') ?? 0) > 0 && { upperThreshold: Number(options.get('-x')) as Threshold }),
    ...(Number(options.get('-y') ?? 0) > 0 && { lowerThreshold: Number(options.get('-y')) as Threshold }),
  };
}

function readSimOptions(tokens: readonly string[], line: string): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const flag = tokens[i] as string;
    if (options.has(flag)) fail(line, `${flag} twice`);
    const next = tokens[i + 1];
    const takesValue = ['-s', '-r', '-w', '-M', '-b', '--pe', '-x', '-y'].includes(flag) || (flag === '-p' && next !== undefined && !next.startsWith('-'));
    options.set(flag, takesValue ? (next ?? fail(line, flag)) : '');
    if (takesValue) i++;
  }
  return options;
}

function fail(line: string, reason: string): never {
  throw new Error(`ipvsadm -R: ${reason}: ${line}`);
}
