import { stepDrafts } from '../items/registry.ts';
import { pendingItems, type HostPlan } from '../plan/plan.ts';
import { quote } from '../ssh/quote.ts';
import type { Step } from './step.ts';

export type { Step };

export const BACKUP_ROOT = '/var/lib/lvsplay/backup';

// Runs each step in a subshell and prints a marker the engine reads. After a failing step the later ones
// are skipped (reported as not run) but the script goes on to its read-back, so what did change is still
// checked on the host: what ran before stays (each file was replaced whole).
const PREAMBLE = `set -u
export LC_ALL=C
lvsplay_failed=
lvsplay_step() {
  [ -z "$lvsplay_failed" ] || [ "\${3-}" = always ] || return 0
  # $? right after the assignment is the step's status; read after an if ... fi it would be the if's (0).
  lvsplay_out=$("$2" 2>&1)
  lvsplay_rc=$?
  if [ "$lvsplay_rc" -eq 0 ]; then echo "@@lvsplay-step $1 ok"; return 0; fi
  lvsplay_failed=\${lvsplay_failed:-$1}
  echo "@@lvsplay-step $1 failed $lvsplay_rc"
  printf '%s\\n' "$lvsplay_out"
}
# Copy $1 under $lvsplay_backup, keeping its path, before it is replaced or removed.
lvsplay_keep() {
  { [ -d "$lvsplay_backup\${1%/*}" ] || mkdir -p "$lvsplay_backup\${1%/*}"; } && cp -p "$1" "$lvsplay_backup$1"
}
# Remove $1, a file lvsplay made, keeping a copy; one already gone is done.
lvsplay_remove() {
  [ -e "$1" ] || return 0
  lvsplay_keep "$1" && rm -f "$1"
}
# Replace $1 with $4 (or, without $4, stdin as gzip and base64) as mode $2: a temp file in the same folder,
# checked by lvsplay_check_$lvsplay_check when the step set lvsplay_check, then renamed, so no reader ever
# sees half a file (nor one its program refuses); the replaced file is kept under $lvsplay_backup. $3 is
# the umask that creates the file with that mode, or '-' for a chmod. Each step runs in its own subshell,
# so the umask set here ends with it. Shell built-ins where they do: on a small VM each process costs.
# The new content reaches the disk before the rename: a host losing power right after a run must come back
# with the old file or the new one, never an empty one under the new name (seen on the lab: a director's
# plug pulled a minute after its run left its keepalived.conf and manifest empty). coreutils' sync takes a
# file; a sync without one (busybox's) flushes everything.
lvsplay_fsync() { sync -- "$1" 2>/dev/null || sync; }
lvsplay_write() {
  f=$1; d=\${f%/*}; t="$d/.lvsplay.$$"
  [ -d "$d" ] || mkdir -p "$d" || return 1
  if [ -e "$f" ]; then lvsplay_keep "$f" || return 1; fi
  # A temp file left by a run killed midway would keep its old mode: the umask acts on new files only.
  [ ! -e "$t" ] || rm -f "$t" || return 1
  [ "$3" = - ] || umask "$3"
  if [ $# -ge 4 ]; then printf '%s' "$4" > "$t"; else base64 -d | gzip -dc > "$t"; fi &&
    { [ "$3" != - ] || chmod "$2" "$t"; } &&
    { [ -z "\${lvsplay_check-}" ] || "lvsplay_check_$lvsplay_check" "$t" "$f"; } &&
    lvsplay_fsync "$t" && mv -f "$t" "$f" && return 0
  rm -f "$t"
  return 1
}
`;

/** The steps that take a host from its facts to its desired state, in the order that state needs. */
export function applySteps(plan: HostPlan): Step[] {
  return stepDrafts(pendingItems(plan), plan.handlers).map((step, index) => ({ ...step, id: index + 1 }));
}

const DONE = '@@lvsplay-done';

/**
 * The steps, then `readBack` (the facts script of what they change): apply and its proof in one round trip.
 * The output splits again with `splitApplyOutput`.
 */
export function applyScript(steps: readonly Step[], runId: string, readBack = ''): string {
  const functions = steps.map((step) => `lvsplay_s${step.id}() {\n${step.body}\n}`);
  const calls = steps.map((step) => `lvsplay_step ${step.id} lvsplay_s${step.id}${step.always ? ' always' : ''}`);
  return [PREAMBLE, `lvsplay_backup=${quote(`${BACKUP_ROOT}/${runId}`)}`, ...functions, ...calls, `echo '${DONE}'`, readBack].join('\n');
}

/** The steps' part of an apply script's output and its read-back part; undefined if it stopped before its end. */
export function splitApplyOutput(stdout: string): { steps: string; readBack: string } | undefined {
  const at = stdout.indexOf(`${DONE}\n`);
  return at < 0 ? undefined : { steps: stdout.slice(0, at), readBack: stdout.slice(at + DONE.length + 1) };
}

export interface StepOutcome {
  readonly ok: readonly number[];
  readonly failed?: { readonly id: number; readonly code: number; readonly output: string };
}

/**
 * Reads the markers the script printed; a step with no marker did not run. After the first failed step only
 * an `always` step runs (the manifest's write): its marker is read too, and ends the failed step's output.
 */
export function parseApplyOutput(stdout: string): StepOutcome {
  const ok: number[] = [];
  let failed: StepOutcome['failed'];
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^@@lvsplay-step (\d+) (ok|failed)(?: (\d+))?$/.exec(lines[i]!);
    if (!match) continue;
    if (match[2] === 'ok') ok.push(Number(match[1]));
    else if (!failed) {
      const next = lines.findIndex((line, j) => j > i && line.startsWith('@@lvsplay-step '));
      const output = lines
        .slice(i + 1, next < 0 ? undefined : next)
        .filter((l) => !l.startsWith('@@lvsplay-'))
        .join('\n')
        .trim();
      failed = { id: Number(match[1]), code: Number(match[3]), output };
    }
  }
  return failed ? { ok, failed } : { ok };
}
