import type { HostResult } from '../run/outcome.ts';

/**
 * What a run reports as it goes, for whatever shows it (the plain log; listr2 shows the same through its
 * own tasks) and for a caller that watches it in-process (`RunDeps.observe`: the benchmark). Each host's
 * result is reported once per stage, when it is final for that stage. Events are told synchronously, at the
 * moment they happen: an observer that reads the clock when told has each event's time.
 */
export type RunEvent =
  /** A stage starts: facts from every host, then each roll-out stage; `hosts` is how many it works on. */
  | { readonly kind: 'stage'; readonly title: string; readonly hosts: number }
  /**
   * A host's work starts: its connection, facts and plan (`facts`), or its apply and read-back (`apply`;
   * --check applies nothing). Under --forks a host waits for a free slot before this.
   */
  | { readonly kind: 'started'; readonly host: string; readonly work: 'facts' | 'apply' }
  /** A host's facts are in and its plan made. */
  | { readonly kind: 'planned'; readonly host: string; readonly pendingChanges: number }
  /** A host is done with this stage: its facts failed or were interrupted, or it was checked or applied. */
  | { readonly kind: 'finished'; readonly result: HostResult }
  /** A host that stopped at an earlier stage, and so is not checked or applied in this one. */
  | { readonly kind: 'passed-over'; readonly result: HostResult };

export type RunObserver = (event: RunEvent) => void;

/** One observer that tells each of `observers`, in order. */
export function observeAll(...observers: readonly (RunObserver | undefined)[]): RunObserver {
  const told = observers.filter((observer): observer is RunObserver => observer !== undefined);
  return (event) => {
    for (const observer of told) observer(event);
  };
}
