import type { HostState } from '../desired/state.ts';
import { factRequestOf } from '../items/registry.ts';
import { batchFacts, type HostFacts } from './batch.ts';

export type { HostFacts };

/** The facts a host's desired state needs, as one script, and the parser that splits its output again. */
export function factsScript(state: HostState): { script: string; parse: (output: string) => HostFacts } {
  return batchFacts(factRequestOf(state.items));
}
