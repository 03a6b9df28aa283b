import type { AddressItem, DesiredItem, FileItem, Handler, HostState, IpvsItem, ModuleItem, RouteCheckItem, SysctlItem, UnitItem } from '../desired/state.ts';
import { sha256 } from '../desired/sha256.ts';
import { verifyIpvsChanges } from './ipvs-read-back.ts';
import type { HostFacts } from '../facts/gather.ts';
import { blockedServices, ipvsDelta, unmanagedServices as liveUnmanaged } from '../ipvs/delta.ts';
import { serviceKey } from '../ipvs/table.ts';
import type { IpvsChange } from '../ipvs/delta.ts';
import { formatCidr } from '../net/ipv4.ts';

/**
 * The verdict on one item: `ok` (nothing to do, and why), `change` (what differs), or `fail` (wrong in a way
 * lvsplay must not fix itself, such as a NAT real server's route).
 */
export type Verdict =
  | { readonly status: 'ok'; readonly reason: string }
  | { readonly status: 'change'; readonly reason: string }
  | { readonly status: 'fail'; readonly reason: string };

export type PlannedItem = DesiredItem & { readonly verdict: Verdict; readonly ipvsChanges?: readonly IpvsChange[] };

export interface HostPlan {
  readonly state: HostState;
  readonly items: readonly PlannedItem[];
  /** Run once each, after the items, because an item they watch changed. */
  readonly handlers: readonly Handler[];
  /** Live IPVS services lvsplay leaves alone, and why. */
  readonly unmanaged: readonly UnmanagedService[];
}

/**
 * A live IPVS service lvsplay leaves alone: someone else's (neither in the inventory nor in the rules file it
 * last wrote), or one with settings it cannot express (`reason`: `-M 255.255.0.0`, `-x 100 on
 * 192.168.10.71:80`), which it never edits or deletes, even its own.
 */
export type UnmanagedService =
  | { readonly service: string; readonly kind: 'not-owned' }
  | { readonly service: string; readonly kind: 'unsupported'; readonly reason: string };

/** Desired state against facts: the plan `--check` prints and `run` executes. Pure. */
export function planHost(state: HostState, facts: HostFacts): HostPlan {
  const items = state.items.map((item) => planItem(item, facts));
  const unmanaged = unmanagedServices(state, facts);
  return { state, items, handlers: handlersOf(items, facts), unmanaged };
}

/**
 * The changed items again, against facts read after the apply: the proof a change holds. IPVS changes read
 * back from /proc/net/ip_vs are checked service by service, for the services they touched.
 */
export function readBackItems(changed: readonly PlannedItem[], facts: HostFacts): PlannedItem[] {
  return changed.map((item) =>
    item.kind === 'ipvs' && facts.ipvsProc ? { ...item, verdict: verifyIpvsChanges(item, item.ipvsChanges ?? [], facts.ipvsProc.table) } : planItem(item, facts),
  );
}

function planItem(item: DesiredItem, facts: HostFacts): PlannedItem {
  switch (item.kind) {
    case 'file':
      return { ...item, verdict: planFile(item, facts) };
    case 'module':
      return { ...item, verdict: planModule(item, facts) };
    case 'sysctl':
      return { ...item, verdict: planSysctl(item, facts) };
    case 'address':
      return { ...item, verdict: planAddress(item, facts) };
    case 'unit':
      return { ...item, verdict: planUnit(item, facts) };
    case 'default-route':
      return { ...item, verdict: planRoute(item, facts) };
    case 'ipvs': {
      const changes = ipvsChanges(item, facts);
      return { ...item, verdict: planIpvs(item, changes, facts), ipvsChanges: changes };
    }
  }
}

function planFile(item: FileItem, facts: HostFacts): Verdict {
  const live = facts.files.get(item.path);
  if (!live?.exists) return { status: 'change', reason: 'missing' };
  const contentDiffers = live.sha256 !== sha256(item.content);
  const modeDiffers = live.mode !== item.mode;
  if (contentDiffers && modeDiffers) return { status: 'change', reason: `content differs, mode ${octal(live.mode)} → ${octal(item.mode)}` };
  if (contentDiffers) return { status: 'change', reason: 'content differs' };
  if (modeDiffers) return { status: 'change', reason: `mode ${octal(live.mode)} → ${octal(item.mode)}` };
  return { status: 'ok', reason: 'content and mode match' };
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

function planModule(item: ModuleItem, facts: HostFacts): Verdict {
  return facts.modules.has(item.name) ? { status: 'ok', reason: `${item.name} is loaded` } : { status: 'change', reason: `${item.name} is not loaded` };
}

function planSysctl(item: SysctlItem, facts: HostFacts): Verdict {
  const live = facts.sysctl.get(item.key);
  if (live === undefined) return { status: 'change', reason: `${item.key} does not exist yet` };
  if (live !== item.value) return { status: 'change', reason: `${item.key} is ${live}, wants ${item.value}` };
  return { status: 'ok', reason: `${item.key} is ${live}` };
}

function planAddress(item: AddressItem, facts: HostFacts): Verdict {
  const wanted = formatCidr(item.cidr);
  const live = facts.addresses.find((a) => a.device === item.device && a.cidr.address === item.cidr.address);
  if (!live) return { status: 'change', reason: `${wanted} is not on ${item.device}` };
  if (live.cidr.prefix !== item.cidr.prefix) return { status: 'change', reason: `${formatCidr(live.cidr)} on ${item.device}, wants ${wanted}` };
  if (item.label && live.label !== item.label) return { status: 'change', reason: `${wanted} is labelled ${live.label}, wants ${item.label}` };
  return { status: 'ok', reason: `${wanted} is on ${item.label ?? item.device}` };
}

function planUnit(item: UnitItem, facts: HostFacts): Verdict {
  const live = facts.units.get(item.name);
  const enabled = live?.unitFile === 'enabled';
  const active = live?.active === 'active';
  if (!live || live.load === 'not-found') return { status: 'change', reason: `${item.name} is not installed yet` };
  if (!enabled) return { status: 'change', reason: `${item.name} is ${live.unitFile || 'not enabled'}` };
  if (item.startNow && !active) return { status: 'change', reason: `${item.name} is ${live.active}` };
  return { status: 'ok', reason: `${item.name} is enabled${item.startNow ? ' and active' : ''}` };
}

function planRoute(item: RouteCheckItem, facts: HostFacts): Verdict {
  if (facts.defaultRoute === item.via) return { status: 'ok', reason: `default route via ${item.via}` };
  const now = facts.defaultRoute ? `via ${facts.defaultRoute}` : 'missing';
  return { status: 'fail', reason: `default route is ${now}, must be via ${item.via}: ${item.reason}` };
}

function ownedServices(item: IpvsItem, facts: HostFacts): Set<string> {
  return new Set([...(facts.ipvs?.persisted ?? []), ...item.table].map(serviceKey));
}

const NO_FOREIGN: ReadonlyMap<string, string> = new Map();

function ipvsChanges(item: IpvsItem, facts: HostFacts): IpvsChange[] {
  return ipvsDelta(facts.ipvs?.live ?? [], item.table, ownedServices(item, facts), facts.ipvs?.foreign ?? NO_FOREIGN);
}

function planIpvs(item: IpvsItem, changes: readonly IpvsChange[], facts: HostFacts): Verdict {
  // A wanted service already live with settings lvsplay cannot express (-M, fwmark, thresholds, …) is
  // someone else's: changing it could break them, leaving it would not be what the inventory says.
  const foreign = facts.ipvs?.foreign ?? NO_FOREIGN;
  const blocked = blockedServices(item.table, foreign).map((key) => `${key} (${foreign.get(key)})`);
  if (blocked.length > 0) {
    const [are, them] = blocked.length === 1 ? ['is', 'it'] : ['are', 'them'];
    const reason = `${blocked.join(', ')} ${are} live with settings lvsplay cannot express; undo those settings or delete ${them} by hand, or rename ${them} in the inventory`;
    return { status: 'fail', reason };
  }
  const services = `${item.table.length} service${item.table.length === 1 ? '' : 's'}`;
  // The host found ipvsadm-save -n to print exactly the rules file, and sent no table: a threshold set by hand
  // on one of these services was not looked for and stays as it is. The first run whose live table differs in
  // any way lists thresholds, and leaves such a service alone (or fails, if it is wanted), as ever.
  if (facts.ipvs?.liveIsRulesFile) return { status: 'ok', reason: `live table is the rules file lvsplay writes (${services})` };
  if (changes.length === 0) return { status: 'ok', reason: `live table has the ${services}` };
  return { status: 'change', reason: `${changes.length} change${changes.length === 1 ? '' : 's'} to reach the ${services}` };
}

// A wanted service with settings lvsplay cannot express is not listed: its item fails, and says why.
function unmanagedServices(state: HostState, facts: HostFacts): UnmanagedService[] {
  const item = state.items.find((i): i is IpvsItem & DesiredItem => i.kind === 'ipvs');
  if (!facts.ipvs || !item) return [];
  const wanted = new Set(item.table.map(serviceKey));
  const notOwned = liveUnmanaged(facts.ipvs.live, item.table, ownedServices(item, facts)).map((service): UnmanagedService => ({ service, kind: 'not-owned' }));
  const unsupported = [...facts.ipvs.foreign].filter(([service]) => !wanted.has(service)).map(([service, reason]): UnmanagedService => ({ service, kind: 'unsupported', reason }));
  return [...notOwned, ...unsupported];
}

// Handlers fire once, for the items that changed: a changed unit file needs a daemon-reload before any
// enable, and a sysctl file or a live value that differs needs that file loaded.
function handlersOf(items: readonly PlannedItem[], facts: HostFacts): Handler[] {
  const handlers = new Map<string, Handler>();
  for (const item of items) {
    if (item.verdict.status !== 'change') continue;
    const fired: readonly Handler[] =
      item.kind === 'file' ? item.notify.filter((h) => !(h.kind === 'daemon-reload' && loadsWithoutReload(item, facts))) : item.kind === 'sysctl' ? [{ kind: 'sysctl-load', file: item.file }] : [];
    for (const handler of fired) handlers.set(JSON.stringify(handler), handler);
  }
  return [...handlers.values()];
}

// systemd 246 and later load a unit file new to the host when asked for it, even one looked up before and
// found missing (its unit cache sees the folder changed): only a file it has loaded needs the reload, which
// takes seconds on a small host. Older or unknown versions, or a unit still loaded from a file since
// deleted, get the reload.
const LOADS_NEW_UNITS_SINCE = 246;

function loadsWithoutReload(item: FileItem, facts: HostFacts): boolean {
  if (facts.files.get(item.path)?.exists !== false || (facts.systemdVersion ?? 0) < LOADS_NEW_UNITS_SINCE) return false;
  const file = item.path.slice(item.path.lastIndexOf('/') + 1);
  const template = file.endsWith('@.service') ? file.slice(0, -'.service'.length) : undefined;
  const units = [...facts.units].filter(([name]) => name === file || (template !== undefined && name.startsWith(template)));
  return units.every(([, unit]) => unit.load === 'not-found');
}

export function changedItems(plan: HostPlan): PlannedItem[] {
  return plan.items.filter((item) => item.verdict.status === 'change');
}
