import { constants } from 'node:os';

/** The signals that stop a run: Ctrl-C, and what a service manager or `kill` sends. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The shell's convention for a process ended by a signal: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export interface InterruptionHandlers {
  /** The first signal: the run is told through `signal` and winds down on its own. */
  first(signal: StopSignal): void;
  /** A second signal: the operator will not wait; this must end the process. */
  second(signal: StopSignal): never;
}

/**
 * Owns SIGINT and SIGTERM for the length of a run (instead of listr2, whose handler exits 127 at
 * once). The first signal aborts `signal`, which the engine checks before each new piece of work;
 * a second one calls `second`.
 */
export class Interruption {
  private readonly controller = new AbortController();

  constructor(private readonly handlers: InterruptionHandlers) {
    for (const name of STOP_SIGNALS) process.on(name, this.onSignal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal that interrupted the run, if one did. */
  get received(): StopSignal | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as StopSignal) : undefined;
  }

  /** Gives the signals back to Node's defaults. */
  dispose(): void {
    for (const name of STOP_SIGNALS) process.off(name, this.onSignal);
  }

  private readonly onSignal = (name: NodeJS.Signals): void => {
    const signal = name as StopSignal;
    if (this.controller.signal.aborted) this.handlers.second(signal);
    this.controller.abort(signal);
    this.handlers.first(signal);
  };
}
