import type { ModuleItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import { quote } from '../ssh/quote.ts';
import type { ModuleEntry } from '../manifest/entries.ts';
import type { ItemKind } from './kind.ts';
import { NO_LONGER_WANTED } from './removal-words.ts';

/** A kernel module loaded now; the modules-load.d file that loads it at boot is a file item. */
export const moduleKind: ItemKind<ModuleItem, Pick<HostFacts, 'modules'>, object, ModuleEntry> = {
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
  record: (item) => ({ kind: 'module', name: item.name }),
  describeEntry: (entry) => `kernel module ${entry.name}`,
  // Never unloaded: unloading ip_vs drops the IPVS table and every connection through it, and another
  // module may be in use by something lvsplay does not know. The manifest forgets it.
  planRemoval: () => ({
    verdict: { status: 'ok', reason: `${NO_LONGER_WANTED}: left loaded (unloading it could cut what uses it, for ip_vs every connection through the director), and dropped from the manifest` },
  }),
};
