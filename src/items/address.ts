import type { AddressItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { formatCidr } from '../net/ipv4.ts';
import { quote } from '../ssh/quote.ts';
import type { AddressEntry } from '../manifest/entries.ts';
import type { ItemKind, Verdict } from './kind.ts';
import { NO_LONGER_WANTED } from './removal-words.ts';

/** An address live on an interface now; the unit that restores it at boot is a unit item. */
export const addressKind: ItemKind<AddressItem, Pick<HostFacts, 'addresses'>, object, AddressEntry> = {
  kind: 'address',
  key: (item) => `address ${item.cidr.address}/${item.cidr.prefix} ${item.device}`,
  describe: (item) => `address ${formatCidr(item.cidr)} on ${item.label ?? item.device}`,
  facts: () => ({ addresses: true }),
  plan: (item, facts) => ({ verdict: verdictOf(item, facts) }),
  steps: (changed) =>
    changed.map((item) => {
      const label = item.label ? ` label ${quote(item.label)}` : '';
      const command = `ip address replace ${quote(formatCidr(item.cidr))} dev ${quote(item.device)}${label}`;
      return { title: command, items: [item], body: command };
    }),
  record: (item) => ({ kind: 'address', cidr: formatCidr(item.cidr), device: item.device, ...(item.label !== undefined && { label: item.label }) }),
  describeEntry: (entry) => `address ${entry.cidr} on ${entry.label ?? entry.device}`,
  planRemoval: (entry, facts) => {
    const live = facts.addresses.some((a) => a.device === entry.device && formatCidr(a.cidr) === entry.cidr);
    return {
      verdict: live
        ? { status: 'remove', reason: `${NO_LONGER_WANTED}: take ${entry.cidr} off ${entry.device}` }
        : { status: 'ok', reason: `${NO_LONGER_WANTED}, and ${entry.cidr} is no longer on ${entry.device}` },
    };
  },
  // Stopping its unit (which runs before) may have taken it off already: then there is nothing left to do.
  removeSteps: (removed) =>
    removed.map((r) => {
      const [cidr, device] = [quote(r.entry.cidr), quote(r.entry.device)];
      return { title: `ip address del ${cidr} dev ${device}`, items: [r], body: `ip address del ${cidr} dev ${device} || [ -z "$(ip -o address show dev ${device} to ${cidr})" ]` };
    }),
  removalReadBackFacts: () => ({ addresses: true }),
};

function verdictOf(item: AddressItem, facts: Pick<HostFacts, 'addresses'>): Verdict {
  const wanted = formatCidr(item.cidr);
  const live = facts.addresses.find((a) => a.device === item.device && a.cidr.address === item.cidr.address);
  if (!live) return { status: 'change', reason: `${wanted} is not on ${item.device}` };
  if (live.cidr.prefix !== item.cidr.prefix) return { status: 'change', reason: `${formatCidr(live.cidr)} on ${item.device}, wants ${wanted}` };
  if (item.label && live.label !== item.label) return { status: 'change', reason: `${wanted} is labelled ${live.label}, wants ${item.label}` };
  return { status: 'ok', reason: `${wanted} is on ${item.label ?? item.device}` };
}
