import type { AddressItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { formatCidr } from '../net/ipv4.ts';
import { quote } from '../ssh/quote.ts';
import type { ItemKind, Verdict } from './kind.ts';

/** An address live on an interface now; the unit that restores it at boot is a unit item. */
export const addressKind: ItemKind<AddressItem, Pick<HostFacts, 'addresses'>> = {
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
};

function verdictOf(item: AddressItem, facts: Pick<HostFacts, 'addresses'>): Verdict {
  const wanted = formatCidr(item.cidr);
  const live = facts.addresses.find((a) => a.device === item.device && a.cidr.address === item.cidr.address);
  if (!live) return { status: 'change', reason: `${wanted} is not on ${item.device}` };
  if (live.cidr.prefix !== item.cidr.prefix) return { status: 'change', reason: `${formatCidr(live.cidr)} on ${item.device}, wants ${wanted}` };
  if (item.label && live.label !== item.label) return { status: 'change', reason: `${wanted} is labelled ${live.label}, wants ${item.label}` };
  return { status: 'ok', reason: `${wanted} is on ${item.label ?? item.device}` };
}
