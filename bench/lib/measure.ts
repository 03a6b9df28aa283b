// Timing helpers for the benchmark: every figure is measured, repeated, and reported as min and median.
import { performance } from 'node:perf_hooks';

export interface Measurement {
  /** e.g. `lvsplay no-op`, `floor: OpenSSH`, `ansible tuned no-op`. */
  readonly name: string;
  /** Hosts in the run, where that is the axis. */
  readonly hosts?: number;
  /** Wall time of each repetition, seconds. */
  readonly seconds: readonly number[];
  readonly min: number;
  readonly median: number;
  /** Peak resident memory of the measured process, MB, where measured. */
  readonly peakRssMb?: number;
  readonly note?: string;
}

export function summarize(name: string, seconds: readonly number[], extra: Partial<Measurement> = {}): Measurement {
  const sorted = [...seconds].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { name, seconds, min: sorted[0]!, median, ...extra };
}

/** Runs `fn` `repeat` times in a row and times each run. */
export async function measure(name: string, repeat: number, fn: () => Promise<void>, extra: Partial<Measurement> = {}): Promise<Measurement> {
  const seconds: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await fn();
    seconds.push((performance.now() - started) / 1000);
  }
  return summarize(name, seconds, extra);
}
