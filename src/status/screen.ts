import type { TcpCheck } from '../facts/tcp-check.ts';
import type { DirectorView, RealServerDrift, RealServerView, ServiceDrift, ServiceView, VrrpView } from './view.ts';

type ReadView = Extract<DirectorView, { state: 'read' }>;

/** The screen: a heading, then per director a summary line and a table per service. */
export function statusScreen(inventory: string, at: Date, directors: readonly DirectorView[]): string {
  const blocks = directors.map((director) => (director.state === 'read' ? readDirector(director) : `${director.host}: ${director.state}: ${director.error}\n`));
  return `lvsplay status ${inventory} at ${at.toISOString()}\n\n${blocks.join('\n')}`;
}

function readDirector(director: ReadView): string {
  const [counts, drift] = summary(director);
  const lines = [`${director.host}: ${counts}`, `  ${drift}`];
  if (director.vrrp) lines.push(`  VRRP: ${vrrpText(director.vrrp)}`);
  else if (director.vrrpUnavailable) lines.push(`  VRRP: not read: ${director.vrrpUnavailable}`);
  if (director.ipvs === 'not-loaded') lines.push('  IPVS not loaded (no /proc/net/ip_vs): no service is live; status did not load it');
  if (director.ipvsadm === 'not-installed') lines.push('  ipvsadm not installed: no traffic counters');
  else if (director.countersUnavailable && director.ipvs === 'loaded') lines.push(`  no traffic counters: ${director.countersUnavailable}`);
  if (director.tcpUnavailable) lines.push(`  real servers not checked: ${director.tcpUnavailable}`);
  for (const service of director.services) lines.push('', ...serviceBlock(service));
  return `${lines.join('\n')}\n`;
}

/** `MASTER (holds 192.168.10.100)`, `PARTIAL (holds 192.168.10.100, not 192.168.10.101)`, … */
function vrrpText(vrrp: VrrpView): string {
  const vips = (list: readonly string[]): string => list.join(', ');
  switch (vrrp.state) {
    case 'MASTER':
      return `MASTER (holds ${vips(vrrp.vips)})`;
    case 'BACKUP':
      return 'BACKUP (keepalived running, holds none of its VIPs)';
    case 'PARTIAL':
      return `PARTIAL (holds ${vips(vrrp.vips)}, not ${vips(vrrp.missing)})`;
    case 'STOPPED':
      return vrrp.vips.length === 0 ? 'STOPPED (keepalived not running)' : `STOPPED (keepalived not running, yet holds ${vips(vrrp.vips)})`;
  }
}

/**
 * `IPVS loaded, 2 services (1 by keepalived), 4 real servers (1 draining), 1 real server out by a health
 * check`, and the drift: `2 real servers missing, 1 weight differs`.
 */
function summary(director: ReadView): string[] {
  const servers = director.services.flatMap((s) => s.realServers);
  const draining = servers.filter((r) => r.draining).length;
  const out = servers.filter((r) => r.out === 'health-check').length;
  const foreign = director.services.filter((s) => s.ownership === 'foreign').length;
  const byKeepalived = director.services.filter((s) => s.ownership === 'keepalived').length;
  const servicesNote = [...(byKeepalived ? [`${byKeepalived} by keepalived`] : []), ...(foreign ? [`+${foreign} not lvsplay's`] : [])];
  const counts = new Map<Drifted, number>();
  const count = (what: Drifted): void => void counts.set(what, (counts.get(what) ?? 0) + 1);
  for (const service of director.services) {
    if (service.ownership === 'stale') count('stale');
    for (const drift of service.drift) count(drift.kind === 'missing' ? 'service missing' : drift.kind);
    for (const server of service.realServers) for (const drift of server.drift) count(drift.kind === 'missing' || drift.kind === 'extra' ? `real server ${drift.kind}` : drift.kind);
  }
  const drift = [...counts].map(([what, n]) => `${n} ${DRIFTED[what][n === 1 ? 0 : 1]}`);
  return [
    [
      `IPVS ${director.ipvs === 'loaded' ? 'loaded' : 'not loaded'}`,
      plural(director.services.length - foreign, 'service') + (servicesNote.length > 0 ? ` (${servicesNote.join(', ')})` : ''),
      plural(servers.length, 'real server') + (draining ? ` (${draining} draining)` : ''),
      ...(out ? [out === 1 ? '1 real server out by a health check' : `${out} real servers out by health checks`] : []),
    ].join(', '),
    drift.length === 0 ? 'no drift from the inventory' : `drift from the inventory: ${drift.join(', ')}`,
  ];
}

/** Each kind of drift counted in the summary, said of one and of several. */
const DRIFTED = {
  'service missing': ['service missing', 'services missing'],
  stale: ['service no longer in the inventory', 'services no longer in the inventory'],
  scheduler: ['scheduler differs', 'schedulers differ'],
  persistence: ['persistence differs', 'persistences differ'],
  'real server missing': ['real server missing', 'real servers missing'],
  'real server extra': ['real server extra', 'real servers extra'],
  weight: ['weight differs', 'weights differ'],
  forwarding: ['forwarding method differs', 'forwarding methods differ'],
} as const satisfies Record<string, readonly [string, string]>;
type Drifted = keyof typeof DRIFTED;

function serviceBlock(service: ServiceView): string[] {
  const settings = service.live ? [service.live.scheduler, ...(service.live.persistent ? ['persistent'] : [])] : [];
  const notes = [...ownershipNote(service), ...service.drift.map(serviceDriftNote)];
  const rate = service.live?.counters?.rate;
  const traffic = rate ? [`${short(rate.connections)} conn/s, in ${short(rate.inBytes)}B/s, out ${short(rate.outBytes)}B/s`] : [];
  const head = `  ${[service.key, ...settings].join(' ')}${[...traffic, ...notes].map((n) => `  ${n}`).join('')}`;
  if (service.realServers.length === 0) return [head, '    (no real servers)'];
  const header = ['real server', 'weight', 'active', 'inactive', 'conns', 'conn/s', 'in B/s', 'out B/s', 'tcp', 'notes'];
  return [head, ...aligned([header, ...service.realServers.map(realServerRow)], RIGHT_ALIGNED).map((line) => `    ${line}`.trimEnd())];
}

function ownershipNote(service: ServiceView): string[] {
  if (service.ownership === 'keepalived') return ['managed by keepalived'];
  if (service.ownership === 'foreign') return ["not lvsplay's (left alone)"];
  if (service.ownership === 'stale') return ["lvsplay's, no longer in the inventory (run deletes it)"];
  return [];
}

function serviceDriftNote(drift: ServiceDrift): string {
  switch (drift.kind) {
    case 'missing':
      return 'MISSING (not live)';
    case 'scheduler':
      return `scheduler ${drift.live}, inventory ${drift.wanted}`;
    case 'persistence':
      return drift.live ? 'persistent, inventory not' : 'not persistent, inventory persistent';
  }
}

/** Columns 1 to 7 hold numbers. */
const RIGHT_ALIGNED = new Set([1, 2, 3, 4, 5, 6, 7]);

function realServerRow(server: RealServerView): string[] {
  const name = server.host ? `${server.host} ${server.key}` : server.key;
  const notes = [...(server.draining ? ['draining'] : []), ...(server.out ? ['out: health check'] : []), ...server.drift.map((d) => realServerDriftNote(d, server))];
  const tcp = server.tcp ? tcpText(server.tcp) : '-';
  if (!server.live) return [name, '-', '-', '-', '-', '-', '-', '-', tcp, notes.join(', ')];
  const { weight, active, inactive, counters } = server.live;
  const numbers = counters ? [counters.total.connections, counters.rate.connections, counters.rate.inBytes, counters.rate.outBytes].map(short) : ['-', '-', '-', '-'];
  return [name, String(weight), String(active), String(inactive), ...numbers, tcp, notes.join(', ')];
}

function realServerDriftNote(drift: RealServerDrift, server: RealServerView): string {
  switch (drift.kind) {
    case 'missing':
      return `MISSING (inventory: weight ${server.wanted?.weight})`;
    case 'extra':
      return 'EXTRA (not in the inventory)';
    case 'weight':
      return `WEIGHT ${drift.live}, inventory ${drift.wanted}`;
    case 'forwarding':
      return `FORWARDING ${drift.live}, inventory ${drift.wanted}`;
  }
}

export function tcpText(check: TcpCheck): string {
  switch (check.result) {
    case 'ok':
    case 'refused':
      return check.result;
    case 'timeout':
      return `timeout (${check.seconds} s)`;
    case 'error':
      return check.reason;
  }
}

/** 999, 1.2k, 34k, 5.6M, 7.8G: the width of a column stays small, as ipvsadm's own K/M/G. */
export function short(n: number): string {
  const units = ['', 'k', 'M', 'G', 'T'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return String(n);
  return `${value < 10 ? value.toFixed(1) : Math.floor(value)}${units[unit]}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Rows padded into columns two spaces apart; the last column is not padded. */
function aligned(rows: readonly (readonly string[])[], right: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : right.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  '));
}
