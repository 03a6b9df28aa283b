import type { RouteCheckItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { ItemKind, Verdict } from './kind.ts';

/** Checked, never changed: a NAT real server's replies must go back through the director, and lvsplay must not fix that itself. */
export const defaultRouteKind: ItemKind<RouteCheckItem, Pick<HostFacts, 'defaultRoute'>> = {
  kind: 'default-route',
  key: () => 'default-route',
  describe: (item) => `default route via ${item.via}`,
  facts: () => ({ defaultRoute: true }),
  plan: (item, facts) => ({ verdict: verdictOf(item, facts.defaultRoute) }),
};

function verdictOf(item: RouteCheckItem, live: RouteCheckItem['via'] | undefined): Verdict {
  if (live === item.via) return { status: 'ok', reason: `default route via ${item.via}` };
  const now = live ? `via ${live}` : 'missing';
  return { status: 'fail', reason: `default route is ${now}, must be via ${item.via}: ${item.reason}` };
}
