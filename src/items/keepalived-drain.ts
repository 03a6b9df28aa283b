import type { KeepalivedDrainItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { procAddress, procServiceKey } from '../facts/ipvs-proc.ts';
import type { DrainTimeout } from '../inventory/model.ts';
import { describeDrain, drainWaitScript, longestDrain, type Drain } from '../ipvs/drain.ts';
import { formatChange } from '../ipvs/format.ts';
import { destinationKey, serviceKey, type IpvsDestination } from '../ipvs/table.ts';
import { restoreBody } from './ipvs.ts';
import type { ItemKind, Planned, Verdict } from './kind.ts';

type Facts = Pick<HostFacts, 'ipvsProc' | 'ipvsStill'>;

/** What planning finds: the real servers to drain before keepalived's reload deletes them. */
export interface KeepalivedDrainPlan {
  readonly drains?: readonly Drain[];
}

/**
 * keepalived deletes a real server gone from its configuration the moment it reloads, cutting the connections
 * it holds (acassen/keepalived, check/ipwrapper.c). So, between the new keepalived.conf's write and the reload
 * (a handler, after every write), a real server leaving a service keepalived keeps is set to weight 0 in the
 * live table and waited on, as lvsplay drains its own (ipvs/drain.ts): once its active connections are gone or
 * its service's drainTimeout has passed, the reload deletes it. keepalived does not set a weight back on its
 * own until that real server's check changes state. Nothing is recorded: the configuration file is the record.
 */
export const keepalivedDrainKind: ItemKind<KeepalivedDrainItem, Facts, KeepalivedDrainPlan> = {
  kind: 'keepalived-drain',
  key: () => 'keepalived-drain',
  describe: () => "real servers leaving keepalived's services drained first",
  facts: (item) => ({ ipvsProc: item.table }),
  plan: (item, facts) => {
    const drains = drainsOf(item, facts);
    return { verdict: verdictOf(drains), ...(drains.length > 0 && { drains }) };
  },
  fires: () => [{ kind: 'reload-keepalived' }],
  steps: (changed) => changed.flatMap(drainSteps),
  // The reload (the handler) deletes them: proven once keepalived's checker has applied its new table.
  readBackFacts: (item) => ({ ipvsGone: (item.drains ?? []).map((d) => ({ service: d.service, address: d.destination.address, port: d.destination.port })) }),
  readBack: (item, facts) => {
    const still = (item.drains ?? []).filter((d) => facts.ipvsStill?.has(`${procServiceKey(d.service)} ${procAddress(d.destination.address, d.destination.port)}`));
    if (still.length === 0) return { verdict: { status: 'ok', reason: `${(item.drains ?? []).map(describeDrain).join(', ')} drained, then deleted by keepalived's reload` } };
    return { verdict: { status: 'fail', reason: `keepalived's reload did not delete ${still.map(describeDrain).join(', ')}` } };
  },
};

/** Live real servers of keepalived's services (those still wanted) that the inventory no longer lists. */
function drainsOf(item: KeepalivedDrainItem, facts: Facts): Drain[] {
  const live = facts.ipvsProc?.table;
  if (!live) return [];
  return item.table.flatMap((service) => {
    const key = serviceKey(service);
    const timeout = item.drainTimeouts[key] ?? (0 as DrainTimeout);
    const wanted = new Set(service.destinations.map(destinationKey));
    const present = live.get(key);
    if (!present || timeout === 0) return [];
    return [...present.destinations]
      .filter(([destination]) => !wanted.has(destination))
      .map(([destination, d]): Drain => {
        const colon = destination.lastIndexOf(':');
        const leaving = { address: destination.slice(0, colon), port: Number(destination.slice(colon + 1)), forwarding: d.forwarding, weight: d.weight } as IpvsDestination;
        return { service, destination: leaving, timeout };
      });
  });
}

function verdictOf(drains: readonly Drain[]): Verdict {
  if (drains.length === 0) return { status: 'ok', reason: "no real server leaves keepalived's services" };
  return { status: 'change', reason: `drain ${drains.map((d) => `${describeDrain(d)} (at most ${d.timeout} s)`).join(', ')} before keepalived's reload deletes it` };
}

// Weight 0 through one `ipvsadm -R`, as the IPVS item's own drain, then the wait.
function drainSteps(item: Planned<KeepalivedDrainItem, KeepalivedDrainPlan>) {
  const drains = item.drains ?? [];
  if (drains.length === 0) return [];
  const lines = drains
    .filter((d) => d.destination.weight !== 0)
    .map((d) => formatChange({ op: 'edit-destination', service: d.service, destination: { ...d.destination, weight: 0 as IpvsDestination['weight'] }, before: d.destination }));
  const weightZero = lines.length === 0 ? [] : [restoreBody(lines)];
  return [
    {
      title: `drain ${drains.length} real server${drains.length === 1 ? '' : 's'} of keepalived's services (at most ${longestDrain(drains)} s)`,
      items: [item],
      body: [...weightZero, drainWaitScript(drains)].join('\n'),
    },
  ];
}
