import { gzipSync } from 'node:zlib';
import type { Handler } from '../desired/state.ts';
import { formatChange } from '../ipvs/format.ts';
import { formatCidr } from '../net/ipv4.ts';
import { changedItems, type HostPlan, type PlannedItem } from '../plan/plan.ts';
import { quote } from '../ssh/quote.ts';

/** One step of a host's apply script, and the items whose change it makes (for the report). */
export interface Step {
  readonly id: number;
  readonly title: string;
  readonly items: readonly PlannedItem[];
  readonly body: string;
}

export const BACKUP_ROOT = '/var/lib/lvsplay/backup';
const EOF_MARK = 'LVSPLAY_EOF';

// Runs each step in a subshell and prints a marker the engine reads. After a failing step the later ones
// are skipped (reported as not run) but the script goes on to its read-back, so what did change is still
// checked on the host: what ran before stays (each file was replaced whole).
const PREAMBLE = `set -u
export LC_ALL=C
lvsplay_failed=
lvsplay_step() {
  [ -z "$lvsplay_failed" ] || return 0
  # $? right after the assignment is the step's status; read after an if ... fi it would be the if's (0).
  lvsplay_out=$("$2" 2>&1)
  lvsplay_rc=$?
  if [ "$lvsplay_rc" -eq 0 ]; then echo "@@lvsplay-step $1 ok"; return 0; fi
  lvsplay_failed=$1
  echo "@@lvsplay-step $1 failed $lvsplay_rc"
  printf '%s\\n' "$lvsplay_out"
}
# Replace $1 with $4 (or, without $4, stdin as gzip and base64) as mode $2: a temp file in the same folder,
# then rename, so no reader ever sees half a file; the replaced file is kept under $lvsplay_backup. $3 is
# the umask that creates the file with that mode, or '-' for a chmod. Each step runs in its own subshell,
# so the umask set here ends with it. Shell built-ins where they do: on a small VM each process costs.
lvsplay_write() {
  f=$1; d=\${f%/*}; t="$d/.lvsplay.$$"
  [ -d "$d" ] || mkdir -p "$d" || return 1
  if [ -e "$f" ]; then { [ -d "$lvsplay_backup$d" ] || mkdir -p "$lvsplay_backup$d"; } && cp -p "$f" "$lvsplay_backup$f" || return 1; fi
  # A temp file left by a run killed midway would keep its old mode: the umask acts on new files only.
  [ ! -e "$t" ] || rm -f "$t" || return 1
  [ "$3" = - ] || umask "$3"
  if [ $# -ge 4 ]; then printf '%s' "$4" > "$t"; else base64 -d | gzip -dc > "$t"; fi &&
    { [ "$3" != - ] || chmod "$2" "$t"; } && mv -f "$t" "$f" && return 0
  rm -f "$t"
  return 1
}
`;

/** The steps that take a host from its facts to its desired state, in the order that state needs. */
export function applySteps(plan: HostPlan): Step[] {
  const changed = changedItems(plan);
  const bodies: Omit<Step, 'id'>[] = [
    ...changed.flatMap((item) => (item.kind === 'file' ? [fileStep(item)] : [])),
    // Before the handlers: `sysctl -p` of net.ipv4.vs.* needs ip_vs loaded.
    ...changed.flatMap((item) => (item.kind === 'module' ? [moduleStep(item)] : [])),
    ...plan.handlers.map((handler) => handlerStep(handler, changed)),
    ...changed.flatMap((item) => (item.kind === 'address' ? [addressStep(item)] : [])),
    ...unitSteps(changed.flatMap((item) => (item.kind === 'unit' ? [item] : []))),
    ...changed.flatMap((item) => (item.kind === 'ipvs' ? [ipvsStep(item)] : [])),
  ];
  return bodies.map((step, index) => ({ ...step, id: index + 1 }));
}

const DONE = '@@lvsplay-done';

/**
 * The steps, then `readBack` (the facts script of what they change): apply and its proof in one round trip.
 * The output splits again with `splitApplyOutput`.
 */
export function applyScript(steps: readonly Step[], runId: string, readBack = ''): string {
  const functions = steps.map((step) => `lvsplay_s${step.id}() {\n${step.body}\n}`);
  const calls = steps.map((step) => `lvsplay_step ${step.id} lvsplay_s${step.id}`);
  return [PREAMBLE, `lvsplay_backup=${quote(`${BACKUP_ROOT}/${runId}`)}`, ...functions, ...calls, `echo '${DONE}'`, readBack].join('\n');
}

/** The steps' part of an apply script's output and its read-back part; undefined if it stopped before its end. */
export function splitApplyOutput(stdout: string): { steps: string; readBack: string } | undefined {
  const at = stdout.indexOf(`${DONE}\n`);
  return at < 0 ? undefined : { steps: stdout.slice(0, at), readBack: stdout.slice(at + DONE.length + 1) };
}

// Compressed, since a shell reads a here-document slowly: a 2,000-service rules file is 1.2 MB as base64
// and 60 kB gzipped, and `sh` on a small VM spent 0.36 s just reading the former.
function packed(text: string): string {
  return `${gzipSync(text).toString('base64').replace(/.{1,76}/g, '$&\n')}${EOF_MARK}`;
}

// Up to this size a file travels as one quoted word written by the shell's own printf; a larger one
// (a 2,000-service rules file) gzipped, since the shell reads a big script slowly.
const INLINE_MAX = 16 * 1024;

function fileStep(item: PlannedItem & { kind: 'file' }): Omit<Step, 'id'> {
  const mode = item.mode.toString(8).padStart(4, '0');
  // A umask gives the mode at creation, without a chmod process, unless the mode has exec or special bits.
  const umask = (item.mode & 0o7111) === 0 ? (0o777 & ~item.mode).toString(8).padStart(4, '0') : '-';
  const head = `lvsplay_write ${quote(item.path)} ${mode} ${umask}`;
  const inline = Buffer.byteLength(item.content) <= INLINE_MAX;
  return {
    title: `write ${item.path}`,
    items: [item],
    body: inline ? `${head} ${quote(item.content)}` : `${head} <<'${EOF_MARK}'\n${packed(item.content)}`,
  };
}

function handlerStep(handler: Handler, changed: readonly PlannedItem[]): Omit<Step, 'id'> {
  switch (handler.kind) {
    case 'daemon-reload':
      return { title: 'systemctl daemon-reload', items: [], body: 'systemctl daemon-reload' };
    case 'sysctl-load':
      return {
        title: `sysctl -p ${handler.file}`,
        // The live values this file sets are fixed by this step, not by one of their own.
        items: changed.filter((item) => item.kind === 'sysctl' && item.file === handler.file),
        body: `sysctl -p ${quote(handler.file)}`,
      };
  }
}

function moduleStep(item: PlannedItem & { kind: 'module' }): Omit<Step, 'id'> {
  const command = `modprobe ${quote(item.name)}`;
  return { title: command, items: [item], body: command };
}

function addressStep(item: PlannedItem & { kind: 'address' }): Omit<Step, 'id'> {
  const label = item.label ? ` label ${quote(item.label)}` : '';
  const command = `ip address replace ${quote(formatCidr(item.cidr))} dev ${quote(item.device)}${label}`;
  return { title: command, items: [item], body: command };
}

// One enable for all units and no reload of its own (the daemon-reload handler ran already if a unit file
// changed, and enabling only adds links): on a small VM each systemd reload costs seconds.
function unitSteps(units: readonly (PlannedItem & { kind: 'unit' })[]): Omit<Step, 'id'>[] {
  if (units.length === 0) return [];
  const enable = `systemctl enable --no-reload ${units.map((u) => quote(u.name)).join(' ')}`;
  const toStart = units.filter((u) => u.startNow);
  const start = `systemctl start ${toStart.map((u) => quote(u.name)).join(' ')}`;
  return [{ title: enable, items: units, body: enable }, ...(toStart.length > 0 ? [{ title: start, items: toStart, body: start }] : [])];
}

// The whole delta goes to one `ipvsadm -R`: one process, applied on top of the live table, never a flush.
// `ipvsadm -R` goes on past a failing line and its exit code reflects only the last one (recorded in
// test/fixtures/facts/README.md), so any message on stderr fails the step; the read-back shows the rest.
function ipvsStep(item: PlannedItem & { kind: 'ipvs' }): Omit<Step, 'id'> {
  const lines = (item.ipvsChanges ?? []).map(formatChange);
  return {
    title: `ipvsadm -R (${lines.length} line${lines.length === 1 ? '' : 's'})`,
    items: [item],
    body: [
      'modprobe ip_vs || return 1',
      // Decoded whole before ipvsadm starts: a damaged transfer must not apply half a delta.
      `lvsplay_delta=$(base64 -d <<'${EOF_MARK}' | gzip -dc`,
      packed(`${lines.join('\n')}\n`),
      ') || return 1',
      `lvsplay_err=$(printf '%s\\n' "$lvsplay_delta" | ipvsadm -R 2>&1 >/dev/null)`,
      '[ -z "$lvsplay_err" ] || { printf \'%s\\n\' "$lvsplay_err"; return 1; }',
    ].join('\n'),
  };
}

export interface StepOutcome {
  readonly ok: readonly number[];
  readonly failed?: { readonly id: number; readonly code: number; readonly output: string };
}

/** Reads the markers the script printed; a step with no marker did not run. */
export function parseApplyOutput(stdout: string): StepOutcome {
  const ok: number[] = [];
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^@@lvsplay-step (\d+) (ok|failed)(?: (\d+))?$/.exec(lines[i]!);
    if (!match) continue;
    if (match[2] === 'ok') ok.push(Number(match[1]));
    else {
      const output = lines.slice(i + 1).filter((l) => !l.startsWith('@@lvsplay-')).join('\n').trim();
      return { ok, failed: { id: Number(match[1]), code: Number(match[3]), output } };
    }
  }
  return { ok };
}
