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

// Runs each step in a subshell, prints a marker the engine reads, and stops the host at the first failure:
// what ran before stays (each file was replaced whole), what comes after is reported as not run.
const PREAMBLE = `set -u
export LC_ALL=C
lvsplay_step() {
  if lvsplay_out=$("$2" 2>&1); then echo "@@lvsplay-step $1 ok"; return 0; fi
  lvsplay_rc=$?
  echo "@@lvsplay-step $1 failed $lvsplay_rc"
  printf '%s\\n' "$lvsplay_out"
  exit 1
}
# Replace $1 with stdin (base64) as mode $2: a temp file in the same folder, then rename, so no reader ever
# sees half a file; the replaced file is kept under $lvsplay_backup.
lvsplay_write() {
  f=$1; d=\${f%/*}
  mkdir -p "$d" || return 1
  if [ -e "$f" ]; then mkdir -p "$lvsplay_backup$d" && cp -p "$f" "$lvsplay_backup$f" || return 1; fi
  t=$(mktemp "$d/.lvsplay.XXXXXX") || return 1
  if base64 -d > "$t" && chmod "$2" "$t" && mv -f "$t" "$f"; then return 0; fi
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
    ...changed.flatMap((item) => (item.kind === 'unit' ? [unitStep(item)] : [])),
    ...changed.flatMap((item) => (item.kind === 'ipvs' ? [ipvsStep(item)] : [])),
  ];
  return bodies.map((step, index) => ({ ...step, id: index + 1 }));
}

export function applyScript(steps: readonly Step[], runId: string): string {
  const functions = steps.map((step) => `lvsplay_s${step.id}() {\n${step.body}\n}`);
  const calls = steps.map((step) => `lvsplay_step ${step.id} lvsplay_s${step.id}`);
  return [PREAMBLE, `lvsplay_backup=${quote(`${BACKUP_ROOT}/${runId}`)}`, ...functions, ...calls, 'echo "@@lvsplay-done"', ''].join('\n');
}

function fileStep(item: PlannedItem & { kind: 'file' }): Omit<Step, 'id'> {
  const base64 = Buffer.from(item.content).toString('base64').replace(/.{1,76}/g, '$&\n');
  return {
    title: `write ${item.path}`,
    items: [item],
    body: `lvsplay_write ${quote(item.path)} ${item.mode.toString(8).padStart(4, '0')} <<'${EOF_MARK}'\n${base64}${EOF_MARK}`,
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

function unitStep(item: PlannedItem & { kind: 'unit' }): Omit<Step, 'id'> {
  const command = `systemctl enable ${item.startNow ? '--now ' : ''}${quote(item.name)}`;
  return { title: command, items: [item], body: command };
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
      `lvsplay_err=$(ipvsadm -R 2>&1 >/dev/null <<'${EOF_MARK}'`,
      ...lines,
      EOF_MARK,
      ')',
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
