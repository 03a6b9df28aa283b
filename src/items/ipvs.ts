import { EOF_MARK, packed } from '../apply/heredoc.ts';
import type { HostState, IpvsItem } from '../desired/state.ts';
import { sha256 } from '../desired/sha256.ts';
import type { HostFacts } from '../facts/batch.ts';
import { IPVS_RULES_FILE } from '../facts/ipvs.ts';
import { blockedServices, ipvsDelta, unmanagedServices as liveUnmanaged, type IpvsChange } from '../ipvs/delta.ts';
import { thresholdsGuard } from '../ipvs/thresholds.ts';
import { hasThresholds, renderIpvsRules } from '../ipvs/rules-file.ts';
import { formatChange } from '../ipvs/format.ts';
import { serviceKey } from '../ipvs/table.ts';
import { procReadBack, verifyIpvsChanges } from '../plan/ipvs-read-back.ts';
import type { Fwmark, Port, Protocol, Vip } from '../inventory/model.ts';
import { serviceSwitch } from '../ipvs/flags.ts';
import type { IpvsServiceId } from '../ipvs/table.ts';
import type { IPv4 } from '../net/ipv4.ts';
import type { IpvsEntry } from '../manifest/entries.ts';
import type { ItemKind, Planned, Verdict } from './kind.ts';
import { NO_LONGER_WANTED } from './removal-words.ts';
import { describeDrain, drainDeletions, drainWaitScript, longestDrain, splitDrains, type Drain } from '../ipvs/drain.ts';

type Facts = Pick<HostFacts, 'ipvs' | 'ipvsProc' | 'manifest'>;

/**
 * What planning an IPVS item finds besides its verdict: the delta that reaches the desired table, and the
 * real servers it drains (set to weight 0 by the delta, deleted after the wait).
 */
export interface IpvsPlan {
  readonly ipvsChanges?: readonly IpvsChange[];
  readonly drains?: readonly Drain[];
}

/**
 * A live IPVS service lvsplay leaves alone: someone else's (neither in the inventory nor in the rules file it
 * last wrote), or one with settings it cannot express (`reason`: `-M 255.255.0.0`, `-x 100 on
 * 192.168.10.71:80`), which it never edits or deletes, even its own.
 */
export type UnmanagedService =
  | { readonly service: string; readonly kind: 'not-owned' }
  | { readonly service: string; readonly kind: 'unsupported'; readonly reason: string }
  | { readonly service: string; readonly kind: 'keepalived' };

/** The live IPVS services a director has, reached by a minimal delta through one `ipvsadm -R`, never a flush. */
export const ipvsKind: ItemKind<IpvsItem, Facts, IpvsPlan, IpvsEntry> = {
  kind: 'ipvs',
  key: () => 'ipvs',
  describe: (item) => `IPVS table (${services(item)})`,
  facts: (item, others) => {
    // The rules file is renderIpvsRules(table): what ipvsadm-save -n prints for that table once it is live,
    // so its hash tells the host both whether the file and whether the live table are already as wanted.
    // With thresholds, which ipvsadm-save does not print, the file is more than what the host prints.
    const rules = others.find((i) => i.kind === 'file' && i.path === IPVS_RULES_FILE);
    const rulesSha256 = rules?.kind === 'file' ? sha256(rules.content) : undefined;
    const saveSha256 = rulesSha256 && hasThresholds(item.table) ? sha256(renderIpvsRules(item.table, false)) : undefined;
    return { ipvs: { table: item.table, ...(rulesSha256 && { rulesSha256 }), ...(saveSha256 && { saveSha256 }) } };
  },
  plan: (item, facts) => {
    const delta = ipvsDelta(facts.ipvs?.live ?? [], item.table, ownedServices(item, facts), untouchable(item, facts));
    const { changes, drains } = splitDrains(delta, (service) => item.drainTimeouts[service]);
    return { verdict: verdictOf(item, delta, drains, facts), ipvsChanges: changes, ...(drains.length > 0 && { drains }) };
  },
  steps: (changed) => changed.flatMap(restoreSteps),
  // /proc/net/ip_vs, one read, where ipvsadm-save asks the kernel once per service, when it can prove them.
  readBackFacts: (item, others) => {
    const services = procReadBack(allChanges(item));
    return services ? { ipvsProc: services } : ipvsKind.facts(item, others);
  },
  readBack: (item, facts) => (facts.ipvsProc ? { verdict: verifyIpvsChanges(item, allChanges(item), facts.ipvsProc.table) } : ipvsKind.plan(item, facts)),
  diff: (changed) =>
    restoreDiffs(
      changed.flatMap((item) => item.ipvsChanges ?? []),
      changed.flatMap((item) => item.drains ?? []),
    ),
  record: (item) => ({ kind: 'ipvs', services: item.table.map(serviceKey) }),
  describeEntry: (entry) => `IPVS services lvsplay made (${entry.services.length})`,
  // The director's IPVS item left the inventory (the host no longer directs): its services still live go,
  // those it cannot express (set by hand since) stay, as ever.
  planRemoval: (entry, facts) => {
    const live = new Set((facts.ipvs?.live ?? []).map(serviceKey));
    const undo = entry.services.filter((key) => live.has(key));
    if (undo.length === 0) return { verdict: { status: 'ok', reason: `${NO_LONGER_WANTED}, and none of them is live` } };
    return { verdict: { status: 'remove', reason: `${NO_LONGER_WANTED}: delete ${undo.join(', ')}` }, undo: { kind: 'ipvs', services: undo } };
  },
  removeSteps: (removed) => {
    const lines = removed.flatMap((r) => r.undo.services.map(deleteLine));
    return lines.length > 0 ? [{ title: `ipvsadm -R (${lines.length} line${lines.length === 1 ? '' : 's'})`, items: removed, body: restoreBody(lines) }] : [];
  },
  removalReadBackFacts: (entry) => ({ ipvsProc: entry.services.map(serviceId) }),
  readBackRemoval: (removal, facts) => {
    const still = removal.undo.services.filter((key) => facts.ipvsProc?.table?.has(key));
    return still.length > 0 ? { status: 'remove', reason: `${still.join(', ')} still live` } : { status: 'ok', reason: `${removal.undo.services.length} deleted` };
  },
  diffRemoved: (removed) => {
    const lines = removed.flatMap((r) => r.undo.services.map(deleteLine));
    return lines.length > 0 ? [restoreDiff(lines)] : [];
  },
};

function restoreDiff(lines: readonly string[]): string {
  return `ipvsadm -R <<EOF\n${lines.join('\n')}\nEOF\n`;
}

/** The delta, then for drains the wait and the deletions after it, as the steps run them. */
function restoreDiffs(changes: readonly IpvsChange[], drains: readonly Drain[]): string[] {
  return [
    ...(changes.length > 0 ? [restoreDiff(changes.map(formatChange))] : []),
    ...(drains.length > 0
      ? [`# drain: wait until ${drains.map(describeDrain).join(', ')} hold no active connection (at most ${longestDrain(drains)} s)\n`, restoreDiff(drainDeletions(drains).map(formatChange))]
      : []),
  ];
}

/** Every change the steps make, the drains' deletions last: what the read-back checks. */
function allChanges(item: Planned<IpvsItem, IpvsPlan>): IpvsChange[] {
  return [...(item.ipvsChanges ?? []), ...drainDeletions(item.drains ?? [])];
}

/** How long a host's apply may wait on its drains, on top of its usual time limit. */
export function drainSeconds(items: readonly { readonly kind: string; readonly drains?: readonly Drain[] }[]): number {
  return longestDrain(items.flatMap((item) => (item.kind === 'ipvs' && item.drains) || []));
}

/** A `serviceKey` (`tcp 192.168.10.100:80` or `fwmark 1`, as the manifest checked it) back into what identifies the service. */
function serviceId(key: string): IpvsServiceId {
  const [protocol, address] = key.split(' ') as [Protocol | 'fwmark', string];
  if (protocol === 'fwmark') return { fwmark: Number(address) as Fwmark };
  const colon = address.lastIndexOf(':');
  return { protocol, vip: address.slice(0, colon) as IPv4 as Vip, port: Number(address.slice(colon + 1)) as Port };
}

function deleteLine(key: string): string {
  return `-D ${serviceSwitch(serviceId(key))}`;
}

function services(item: IpvsItem): string {
  return `${item.table.length} service${item.table.length === 1 ? '' : 's'}`;
}

const NO_FOREIGN: ReadonlyMap<string, string> = new Map();

/**
 * The services lvsplay made: in its manifest, in the rules file it last wrote, or wanted now; less those
 * keepalived manages now (one it took over from lvsplay is its own, never deleted by lvsplay).
 */
function ownedServices(item: IpvsItem, facts: Facts): Set<string> {
  const recorded = facts.manifest?.state === 'recorded' ? facts.manifest.entries.flatMap((e) => (e.kind === 'ipvs' ? e.services : [])) : [];
  const keepalived = keepalivedKeys(item);
  return new Set([...(facts.ipvs?.persisted ?? []), ...item.table.map(serviceKey), ...recorded].filter((key) => !keepalived.has(key)));
}

/** The live services the delta never edits nor deletes: those lvsplay cannot express, and keepalived's. */
function untouchable(item: IpvsItem, facts: Facts): ReadonlySet<string> | ReadonlyMap<string, string> {
  const foreign = facts.ipvs?.foreign ?? NO_FOREIGN;
  return item.keepalived?.length ? new Set([...foreign.keys(), ...keepalivedKeys(item)]) : foreign;
}

/** The services keepalived manages, by `serviceKey`: all this item needs of them is to leave them alone. */
function keepalivedKeys(item: IpvsItem): Set<string> {
  return new Set((item.keepalived ?? []).map(serviceKey));
}

/** `changes`: the whole delta, each drained real server's deletion among them. */
function verdictOf(item: IpvsItem, changes: readonly IpvsChange[], drains: readonly Drain[], facts: Facts): Verdict {
  // A wanted service already live with settings lvsplay cannot express (a non-contiguous -M, an IPv6 address, …) is
  // someone else's: changing it could break them, leaving it would not be what the inventory says.
  const foreign = facts.ipvs?.foreign ?? NO_FOREIGN;
  const blocked = blockedServices(item.table, foreign).map((key) => `${key} (${foreign.get(key)})`);
  if (blocked.length > 0) {
    const [are, them] = blocked.length === 1 ? ['is', 'it'] : ['are', 'them'];
    const reason = `${blocked.join(', ')} ${are} live with settings lvsplay cannot express; undo those settings or delete ${them} by hand, or rename ${them} in the inventory`;
    return { status: 'fail', reason };
  }
  // The host found ipvsadm-save -n to print exactly the rules file, and sent no table. (Thresholds, which it
  // does not print, are looked up by the step that edits real servers: `thresholdsGuard`.)
  if (facts.ipvs?.liveIsRulesFile) return { status: 'ok', reason: `live table is the rules file lvsplay writes (${services(item)})` };
  if (changes.length === 0) return { status: 'ok', reason: `live table has the ${services(item)}` };
  const draining = drains.length > 0 ? `, draining ${drains.map((d) => `${describeDrain(d)} (at most ${d.timeout} s)`).join(', ')} first: weight 0, deleted once no active connection is left` : '';
  return { status: 'change', reason: `${changes.length} change${changes.length === 1 ? '' : 's'} to reach the ${services(item)}${draining}` };
}

/** The live services of a director that lvsplay leaves alone; a wanted one it cannot express is not listed: its item fails, and says why. */
export function unmanagedServices(state: HostState, facts: HostFacts): UnmanagedService[] {
  const item = state.items.find((i) => i.kind === 'ipvs');
  if (!facts.ipvs || item?.kind !== 'ipvs') return [];
  const wanted = new Set(item.table.map(serviceKey));
  const keepalived = keepalivedKeys(item);
  const live = new Set([...facts.ipvs.live.map(serviceKey), ...facts.ipvs.foreign.keys()]);
  const byKeepalived = [...keepalived].filter((service) => live.has(service)).map((service): UnmanagedService => ({ service, kind: 'keepalived' }));
  const notOwned = liveUnmanaged(facts.ipvs.live, item.table, ownedServices(item, facts))
    .filter((service) => !keepalived.has(service))
    .map((service): UnmanagedService => ({ service, kind: 'not-owned' }));
  const unsupported = [...facts.ipvs.foreign]
    .filter(([service]) => !wanted.has(service) && !keepalived.has(service))
    .map(([service, reason]): UnmanagedService => ({ service, kind: 'unsupported', reason }));
  return [...byKeepalived, ...notOwned, ...unsupported];
}

// The whole delta goes to one `ipvsadm -R`: one process, applied on top of the live table, never a flush.
// `ipvsadm -R` goes on past a failing line and its exit code reflects only the last one (recorded in
// test/fixtures/facts/README.md), so any message on stderr fails the step; the read-back shows the rest.
function restoreSteps(item: Planned<IpvsItem, IpvsPlan>) {
  const changes = item.ipvsChanges ?? [];
  const drains = item.drains ?? [];
  const restore = (lines: readonly string[], guard: readonly string[] = []) => ({
    title: `ipvsadm -R (${lines.length} line${lines.length === 1 ? '' : 's'})`,
    items: [item],
    body: restoreBody(lines, guard),
  });
  return [
    ...(changes.length > 0 ? [restore(changes.map(formatChange), thresholdsGuard(changes))] : []),
    ...(drains.length > 0
      ? [
          { title: `drain ${drains.length} real server${drains.length === 1 ? '' : 's'} (at most ${longestDrain(drains)} s)`, items: [item], body: drainWaitScript(drains) },
          restore(drainDeletions(drains).map(formatChange)),
        ]
      : []),
  ];
}

/**
 * A step body that feeds `lines` to one `ipvsadm -R` and fails on anything it says (also keepalived's drain);
 * `guard`: shell lines that return 1, saying why, when the delta must not go ahead (`thresholdsGuard`).
 */
export function restoreBody(lines: readonly string[], guard: readonly string[] = []): string {
  return [
    'modprobe ip_vs || return 1',
    ...guard,
    // Decoded whole before ipvsadm starts: a damaged transfer must not apply half a delta.
    `lvsplay_delta=$(base64 -d <<'${EOF_MARK}' | gzip -dc`,
    packed(`${lines.join('\n')}\n`),
    ') || return 1',
    `lvsplay_err=$(printf '%s\\n' "$lvsplay_delta" | ipvsadm -R 2>&1 >/dev/null)`,
    '[ -z "$lvsplay_err" ] || { printf \'%s\\n\' "$lvsplay_err"; return 1; }',
  ].join('\n');
}
