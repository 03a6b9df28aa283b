import type { SysctlItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { SysctlEntry } from '../manifest/entries.ts';
import { quote } from '../ssh/quote.ts';
import type { ItemKind, Verdict } from './kind.ts';
import { NO_LONGER_WANTED } from './removal-words.ts';

type Facts = Pick<HostFacts, 'sysctl' | 'files'>;

/**
 * A live kernel setting. It has no step of its own: the `sysctl -p` of the file that persists it (a
 * handler, fired by its change) sets it, so the live value and the boot value cannot part.
 */
export const sysctlKind: ItemKind<SysctlItem, Facts, object, SysctlEntry> = {
  kind: 'sysctl',
  key: (item) => `sysctl ${item.key}`,
  describe: (item) => `sysctl ${item.key} = ${item.value}`,
  // Two roles may persist one setting in their own files: they agree if they want the same value.
  sameWish: (a, b) => a.value === b.value,
  facts: (item) => ({ sysctl: [item.key] }),
  plan: (item, facts) => ({ verdict: verdictOf(item, facts.sysctl.get(item.key)) }),
  fires: (item) => [{ kind: 'sysctl-load', file: item.file }],
  madeBy: (item, handler) => handler.kind === 'sysctl-load' && handler.file === item.file,
  // The prior value is kept from the run that first recorded the setting, whatever lvsplay set since.
  record: (item, before) => ({ kind: 'sysctl', key: item.key, prior: before?.earlier ? before.earlier.prior : before ? priorOf(item, before.facts, before.manifest) : null }),
  describeEntry: (entry) => `sysctl ${entry.key}`,
  planRemoval: (entry, facts) => ({ verdict: removalVerdict(entry, facts.sysctl.get(entry.key)) }),
  // sysctl -w, not a file: the setting's file is removed (or no longer sets it), so from the next boot on the
  // kernel's default holds; the prior value is what the host had before lvsplay set it.
  removeSteps: (removed) =>
    removed.flatMap((r) => {
      if (r.entry.prior === null) return [];
      const command = `sysctl -w ${quote(`${r.entry.key}=${r.entry.prior}`)}`;
      return [{ title: command, items: [r], body: command }];
    }),
  removalReadBackFacts: (entry) => ({ sysctl: [entry.key] }),
};

/**
 * The live value before lvsplay set it. A host with a manifest that does not record the setting never had it
 * from lvsplay (a setting new to the inventory, as an `ipvs` block's): its live value is the prior one. A
 * host without a manifest: known only while no file of lvsplay's sets it yet (a bare host); once its file
 * exists lvsplay has set it already, before keeping a manifest.
 */
function priorOf(item: SysctlItem, facts: Facts, manifest: boolean): string | null {
  if (!manifest && facts.files.get(item.file)?.exists !== false) return null;
  return facts.sysctl.get(item.key) ?? null;
}

function removalVerdict(entry: SysctlEntry, live: string | undefined): Verdict {
  if (live === undefined) return { status: 'ok', reason: `${NO_LONGER_WANTED}, and ${entry.key} does not exist now` };
  if (entry.prior === null) {
    return {
      status: 'ok',
      reason: `${NO_LONGER_WANTED}: left at ${live}, since its value before lvsplay set it is unknown (lvsplay had set it before it kept a manifest here, or it did not exist yet); the kernel's default holds from the next boot`,
    };
  }
  if (live === entry.prior) return { status: 'ok', reason: `${NO_LONGER_WANTED}, and already ${live}, its value before lvsplay set it` };
  return { status: 'remove', reason: `${NO_LONGER_WANTED}: put back to ${entry.prior}, its value before lvsplay set it (now ${live})` };
}

function verdictOf(item: SysctlItem, live: string | undefined): Verdict {
  if (live === undefined) return { status: 'change', reason: `${item.key} does not exist yet` };
  if (live !== item.value) return { status: 'change', reason: `${item.key} is ${live}, wants ${item.value}` };
  return { status: 'ok', reason: `${item.key} is ${live}` };
}
