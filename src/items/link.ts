import type { LinkItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { quote } from '../ssh/quote.ts';
import type { ItemKind } from './kind.ts';

/**
 * An interface up now. It has no `record`, so it is never set down again: an interface lvsplay brought up
 * (tunl0) carries nothing once its VIPs are taken off, and another tunnel of the operator's may use it.
 */
export const linkKind: ItemKind<LinkItem, Pick<HostFacts, 'links'>> = {
  kind: 'link',
  key: (item) => `link ${item.device}`,
  describe: (item) => `interface ${item.device} up`,
  facts: (item) => ({ links: [item.device] }),
  plan: (item, facts) => {
    const state = facts.links.get(item.device) ?? 'missing';
    if (state === 'up') return { verdict: { status: 'ok', reason: `${item.device} is up` } };
    // Missing before the run loads the module that creates it (ipip for tunl0), which comes first.
    return { verdict: { status: 'change', reason: state === 'down' ? `${item.device} is down` : `${item.device} does not exist yet` } };
  },
  steps: (changed) =>
    changed.map((item) => {
      const command = `ip link set dev ${quote(item.device)} up`;
      return { title: command, items: [item], body: command };
    }),
};
