import type { Step, StepOutcome } from '../apply/script.ts';
import type { PlannedItem, UnmanagedService } from '../plan/plan.ts';

/** What happened to one item: the words the report and the recap use. A removal is `removed` or `would remove`. */
export type ItemStatus = 'ok' | 'changed' | 'would change' | 'removed' | 'would remove' | 'failed' | 'not run';

/** The statuses the recap and `--json`'s tally count as changes: a removal is one. */
export const CHANGE_STATUSES: readonly ItemStatus[] = ['changed', 'would change', 'removed', 'would remove'];

export interface ItemResult {
  readonly item: PlannedItem;
  readonly status: ItemStatus;
  readonly reason: string;
}

/** `interrupted`: a signal stopped the run before this host's work was done (nothing was changed on it). */
export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'interrupted';

export interface HostResult {
  readonly host: string;
  readonly status: HostStatus;
  readonly items: readonly ItemResult[];
  /** Why the host failed, was unreachable or was interrupted, as one operator-readable sentence. */
  readonly error?: string;
  /** Live IPVS services left alone, and why. */
  readonly unmanaged: readonly UnmanagedService[];
  /** Unified diffs of files (and the IPVS delta), when asked for with --diff. */
  readonly diffs: readonly string[];
  /** A director's real servers not added because their own hosts failed earlier in the run, each with why. */
  readonly withheld?: readonly string[];
}

export function hostStatus(items: readonly ItemResult[]): HostStatus {
  if (items.some((i) => i.status === 'failed')) return 'failed';
  if (items.some((i) => CHANGE_STATUSES.includes(i.status))) return 'changed';
  return 'ok';
}

/**
 * One item after the apply: `before` as planned, `after` as read back from the host (none when it was not
 * read back), the apply's steps and what the host said of them. A change counts only once read back from the
 * host: an exit code alone is not proof.
 */
export function itemAfterApply(before: PlannedItem, after: PlannedItem | undefined, steps: readonly Step[], outcome: StepOutcome): ItemResult {
  if (before.verdict.status === 'ok' || !after) return { item: before, status: 'ok', reason: before.verdict.reason };
  const mine = steps.filter((s) => s.items.includes(before));
  const failed = outcome.failed && mine.find((step) => step.id === outcome.failed!.id);
  if (failed) return { item: before, status: 'failed', reason: `${failed.title} failed (exit ${outcome.failed!.code}): ${outcome.failed!.output || 'no output'}` };
  // The manifest's write runs even after a failed step (`always`): it is never "not run".
  if (outcome.failed && mine.some((step) => !step.always && step.id > outcome.failed!.id)) return { item: before, status: 'not run', reason: `an earlier step failed` };
  const removal = before.verdict.status === 'remove';
  if (after.verdict.status !== 'ok') return { item: before, status: 'failed', reason: `${removal ? 'still there after removal' : 'still differs after apply'}: ${after.verdict.reason}` };
  return { item: before, status: removal ? 'removed' : 'changed', reason: before.verdict.reason };
}

/**
 * A host applied in two parts (a real server's changes, then its removals): one result, each item once, the
 * manifest as the later part left it, the first failure's words.
 */
export function mergeResults(earlier: HostResult, later: HostResult): HostResult {
  const items = [...earlier.items.filter((i) => i.item.kind !== 'manifest'), ...later.items];
  const worst = [earlier.status, later.status].find((s) => s !== 'ok' && s !== 'changed');
  const error = earlier.error ?? later.error;
  return { ...earlier, items, status: worst ?? hostStatus(items), ...(error && { error }) };
}
