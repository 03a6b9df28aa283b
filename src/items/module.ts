import type { ModuleItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { quote } from '../ssh/quote.ts';
import type { ItemKind } from './kind.ts';

/** A kernel module loaded now; the modules-load.d file that loads it at boot is a file item. */
export const moduleKind: ItemKind<ModuleItem, Pick<HostFacts, 'modules'>> = {
  kind: 'module',
  key: (item) => `module ${item.name}`,
  describe: (item) => `kernel module ${item.name} loaded`,
  facts: (item) => ({ modules: [item.name] }),
  plan: (item, facts) => ({
    verdict: facts.modules.has(item.name) ? { status: 'ok', reason: `${item.name} is loaded` } : { status: 'change', reason: `${item.name} is not loaded` },
  }),
  steps: (changed) =>
    changed.map((item) => {
      const command = `modprobe ${quote(item.name)}`;
      return { title: command, items: [item], body: command };
    }),
};
