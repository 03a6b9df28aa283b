/**
 * Why a mutant lives, for bench/mutation/REPORT.md. A note matches a surviving mutant by file, mutator and
 * the exact source text it replaced (and the replacement, when given), not by line, so it holds while the
 * code around it moves. `equivalent`: no test can kill it, since it behaves as the code does for every input.
 */
export interface Note {
  readonly file: string;
  readonly mutator: string;
  readonly original: string;
  readonly replacement?: string;
  readonly equivalent: boolean;
  readonly why: string;
}

export const NOTES: readonly Note[] = [];
