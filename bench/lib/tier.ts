import type { Measurement } from './measure.ts';

/** A target from issue 6 and what was measured against it, in one run. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
  /** For a target not met: why, and what would close it. */
  readonly note?: string;
}

export interface TierReport {
  readonly tier: 'lab' | 'scale' | 'director' | 'bastion';
  /** What the tier ran on: VMs or containers, host count, versions. */
  readonly setup: string;
  readonly measurements: readonly Measurement[];
  readonly targets: readonly TargetCheck[];
  /** Counts that are not times, e.g. failed requests during a change. */
  readonly counts?: Readonly<Record<string, number>>;
}

export interface TierOptions {
  /** Repetitions of every timed figure (at least 3). */
  readonly repeat: number;
  /** Where a tier may write temporary files; removed by the tier. */
  readonly log: (line: string) => void;
}
