import type { HostResult } from '../run/outcome.ts';

/**
 * What a run reports as it goes, for whatever shows it (the plain log; listr2 shows the same through its
 * own tasks). Each host's result is reported once per stage, when it is final for that stage.
 */
export type RunEvent =
  /** A stage starts: facts from every host, then each roll-out stage; `hosts` is how many it works on. */
  | { readonly kind: 'stage'; readonly title: string; readonly hosts: number }
  /** A host's facts are in and its plan made. */
  | { readonly kind: 'planned'; readonly host: string; readonly pendingChanges: number }
  /** A host is done with this stage: its facts failed or were interrupted, or it was checked or applied. */
  | { readonly kind: 'finished'; readonly result: HostResult }
  /** A host that stopped at an earlier stage, and so is not checked or applied in this one. */
  | { readonly kind: 'passed-over'; readonly result: HostResult };

export type RunObserver = (event: RunEvent) => void;
