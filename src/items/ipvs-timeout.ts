import type { IpvsTimeoutItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { KERNEL_TIMEOUTS, setTimeoutsCommand, type IpvsTimeouts, type TimeoutName } from '../facts/ipvs-timeouts.ts';
import type { IpvsTimeoutEntry } from '../manifest/entries.ts';
import type { ItemKind, Verdict } from './kind.ts';
import { NO_LONGER_WANTED } from './removal-words.ts';

type Facts = Pick<HostFacts, 'ipvsTimeouts' | 'files'>;

/** How the report names each timeout: ipvsadm's own words. */
const LABELS: Readonly<Record<TimeoutName, string>> = { tcp: 'tcp', tcpFin: 'tcpfin', udp: 'udp' };

/**
 * One IPVS connection timeout. The kernel keeps all three in one place and `ipvsadm --set` takes all three
 * (0: left as it is), so the changed ones of a host are set by one command; each is read back on its own.
 */
export const ipvsTimeoutKind: ItemKind<IpvsTimeoutItem, Facts, object, IpvsTimeoutEntry> = {
  kind: 'ipvs-timeout',
  key: (item) => `ipvs-timeout ${item.name}`,
  describe: (item) => `IPVS ${LABELS[item.name]} timeout = ${item.seconds} s`,
  facts: () => ({ ipvsTimeouts: true }),
  plan: (item, facts) => ({ verdict: verdictOf(item, facts.ipvsTimeouts) }),
  steps: (changed) => {
    if (changed.length === 0) return [];
    const command = setTimeoutsCommand(Object.fromEntries(changed.map((item) => [item.name, item.seconds])));
    return [{ title: command, items: changed, body: command }];
  },
  // The prior value is kept from the run that first recorded the timeout, whatever lvsplay set since.
  record: (item, before) => ({ kind: 'ipvs-timeout', name: item.name, prior: before?.earlier ? before.earlier.prior : before ? priorOf(item, before.facts, before.manifest) : null }),
  describeEntry: (entry) => `IPVS ${LABELS[entry.name]} timeout`,
  planRemoval: (entry, facts) => ({ verdict: removalVerdict(entry, facts.ipvsTimeouts) }),
  // The boot unit goes with the inventory's block (a file and unit entry), so from the next boot on the
  // kernel's own value holds; this puts back now what the host had before lvsplay set it.
  removeSteps: (removed) => {
    const priors = removed.flatMap((r) => (r.entry.prior === null ? [] : [[r.entry.name, r.entry.prior] as const]));
    if (priors.length === 0) return [];
    const command = setTimeoutsCommand(Object.fromEntries(priors));
    return [{ title: command, items: removed, body: command }];
  },
  removalReadBackFacts: () => ({ ipvsTimeouts: true }),
};

/**
 * The live value before lvsplay set it: what the kernel has now, or, while ip_vs is not loaded, what it will
 * start with. A host with a manifest that does not record it never had it from lvsplay; on one without,
 * unknown once lvsplay's boot unit exists: lvsplay set it already, before its manifest said so.
 */
function priorOf(item: IpvsTimeoutItem, facts: Facts, manifest: boolean): number | null {
  if (!manifest && facts.files.get(item.unitFile)?.exists !== false) return null;
  return (facts.ipvsTimeouts ?? KERNEL_TIMEOUTS)[item.name];
}

function verdictOf(item: IpvsTimeoutItem, live: IpvsTimeouts | undefined): Verdict {
  const name = LABELS[item.name];
  if (live === undefined) return { status: 'change', reason: `ip_vs is not loaded yet: its ${name} timeout will start at the kernel's ${KERNEL_TIMEOUTS[item.name]} s` };
  const seconds = live[item.name];
  if (seconds !== item.seconds) return { status: 'change', reason: `${name} timeout is ${seconds} s, wants ${item.seconds} s` };
  return { status: 'ok', reason: `${name} timeout is ${seconds} s` };
}

function removalVerdict(entry: IpvsTimeoutEntry, live: IpvsTimeouts | undefined): Verdict {
  const name = LABELS[entry.name];
  if (live === undefined) return { status: 'ok', reason: `${NO_LONGER_WANTED}, and ip_vs is not loaded: the ${name} timeout starts at the kernel's ${KERNEL_TIMEOUTS[entry.name]} s when it is` };
  const seconds = live[entry.name];
  if (entry.prior === null) {
    return {
      status: 'ok',
      reason: `${NO_LONGER_WANTED}: left at ${seconds} s, since its value before lvsplay set it is unknown; the kernel's ${KERNEL_TIMEOUTS[entry.name]} s holds from the next boot`,
    };
  }
  if (seconds === entry.prior) return { status: 'ok', reason: `${NO_LONGER_WANTED}, and already ${seconds} s, its value before lvsplay set it` };
  return { status: 'remove', reason: `${NO_LONGER_WANTED}: put back to ${entry.prior} s, its value before lvsplay set it (now ${seconds} s)` };
}
