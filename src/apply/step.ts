import type { PlannedItem } from '../items/planned.ts';

/** One step of a host's apply script, and the items whose change it makes (for the report). */
export interface Step {
  readonly id: number;
  readonly title: string;
  readonly items: readonly PlannedItem[];
  readonly body: string;
  /** Runs even after a failed step (the manifest's write): later steps are otherwise skipped. */
  readonly always?: boolean;
}

/** A step before the script numbers it. */
export type StepDraft = Omit<Step, 'id'>;
