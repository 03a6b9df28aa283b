import type { SysctlItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { ItemKind, Verdict } from './kind.ts';

/**
 * A live kernel setting. It has no step of its own: the `sysctl -p` of the file that persists it (a
 * handler, fired by its change) sets it, so the live value and the boot value cannot part.
 */
export const sysctlKind: ItemKind<SysctlItem, Pick<HostFacts, 'sysctl'>> = {
  kind: 'sysctl',
  key: (item) => `sysctl ${item.key}`,
  describe: (item) => `sysctl ${item.key} = ${item.value}`,
  // Two roles may persist one setting in their own files: they agree if they want the same value.
  sameWish: (a, b) => a.value === b.value,
  facts: (item) => ({ sysctl: [item.key] }),
  plan: (item, facts) => ({ verdict: verdictOf(item, facts.sysctl.get(item.key)) }),
  fires: (item) => [{ kind: 'sysctl-load', file: item.file }],
  madeBy: (item, handler) => handler.kind === 'sysctl-load' && handler.file === item.file,
};

function verdictOf(item: SysctlItem, live: string | undefined): Verdict {
  if (live === undefined) return { status: 'change', reason: `${item.key} does not exist yet` };
  if (live !== item.value) return { status: 'change', reason: `${item.key} is ${live}, wants ${item.value}` };
  return { status: 'ok', reason: `${item.key} is ${live}` };
}
