import type { PlannedItem, UnmanagedService } from '../plan/plan.ts';

/** What happened to one item: the words the report and the recap use. */
export type ItemStatus = 'ok' | 'changed' | 'would change' | 'failed' | 'not run';

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
}

export function hostStatus(items: readonly ItemResult[]): HostStatus {
  if (items.some((i) => i.status === 'failed')) return 'failed';
  if (items.some((i) => i.status === 'changed' || i.status === 'would change')) return 'changed';
  return 'ok';
}
