import type { AddressItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { formatCidr } from '../net/ipv4.ts';
import { quote } from '../ssh/quote.ts';
import type { AddressEntry } from '../manifest/entries.ts';
import type { ItemKind, Verdict } from './kind.ts';
import { NO_LONGER_WANTED } from './removal-words.ts';

/** What planning an address finds besides its verdict: the label it has live when that is not the wanted one. */
export interface AddressPlan {
  readonly relabelFrom?: string;
}

/** An address live on an interface now; the unit that restores it at boot is a unit item. */
export const addressKind: ItemKind<AddressItem, Pick<HostFacts, 'addresses'>, AddressPlan, AddressEntry> = {
  kind: 'address',
  key: (item) => `address ${item.cidr.address}/${item.cidr.prefix} ${item.device}`,
  describe: (item) => `address ${formatCidr(item.cidr)} on ${item.label ?? item.device}`,
  facts: () => ({ addresses: true }),
  plan: (item, facts) => {
    const live = liveOf(item, facts);
    const relabel = live && item.label && live.label !== item.label && live.cidr.prefix === item.cidr.prefix;
    return { verdict: verdictOf(item, facts), ...(relabel && { relabelFrom: live.label ?? item.device }) };
  },
  steps: (changed) =>
    changed.map((item) => {
      const label = item.label ? ` label ${quote(item.label)}` : '';
      const [cidr, device] = [quote(formatCidr(item.cidr)), quote(item.device)];
      // `ip address replace` keeps an existing address's label (seen on the lab: a VIP that moved from lo:1 to
      // lo:2 stayed lo:1), so a new label takes the address off and back at once.
      const command = item.relabelFrom ? `ip address del ${cidr} dev ${device} && ip address add ${cidr} dev ${device}${label}` : `ip address replace ${cidr} dev ${device}${label}`;
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

function liveOf(item: AddressItem, facts: Pick<HostFacts, 'addresses'>) {
  return facts.addresses.find((a) => a.device === item.device && a.cidr.address === item.cidr.address);
}

function verdictOf(item: AddressItem, facts: Pick<HostFacts, 'addresses'>): Verdict {
  const wanted = formatCidr(item.cidr);
  const live = liveOf(item, facts);
  if (!live) return { status: 'change', reason: `${wanted} is not on ${item.device}` };
  if (live.cidr.prefix !== item.cidr.prefix) return { status: 'change', reason: `${formatCidr(live.cidr)} on ${item.device}, wants ${wanted}` };
  if (item.label && live.label !== item.label) return { status: 'change', reason: `${wanted} is labelled ${live.label}, wants ${item.label}` };
  return { status: 'ok', reason: `${wanted} is on ${item.label ?? item.device}` };
}
