import type { HostState } from '../desired/state.ts';
import { factRequestOf, recordsOf } from '../items/registry.ts';
import { steadyStateHash } from '../manifest/format.ts';
import { isPartial } from '../plan/plan.ts';
import { batchFacts, type HostFacts } from './batch.ts';

export type { HostFacts };

/**
 * The facts a host's desired state needs, with its manifest, as one script, and the parser that splits its
 * output again. The host compares its manifest with the one this state would leave (but for the sysctls'
 * prior values) and sends only a mark when they agree; a `--role` run, which keeps the other roles' entries,
 * cannot tell, and reads it whole. The live state of what the manifest records is read only for what this
 * run no longer wants: the rest is its items' own facts.
 */
export function factsScript(state: HostState): { script: string; parse: (output: string) => HostFacts } {
  const wanted = recordsOf(state.items);
  const manifest = {
    ...(!isPartial(state) && { steadyStateSha256: steadyStateHash(wanted) }),
    wanted,
    // The IPVS services it records need the table read only when no IPVS item reads it anyway.
    ipvs: !state.items.some((item) => item.kind === 'ipvs'),
  };
  return batchFacts({ ...factRequestOf(state.items), manifest });
}
