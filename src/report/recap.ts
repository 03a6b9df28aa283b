import { CHANGE_STATUSES, type HostResult, type ItemStatus } from '../run/outcome.ts';
import { describeItem } from '../run/describe.ts';
import type { UnmanagedService } from '../plan/plan.ts';

export interface Tally {
  readonly ok: number;
  readonly changed: number;
  readonly failed: number;
  readonly notRun: number;
}

export function tally(result: HostResult): Tally {
  const count = (...statuses: ItemStatus[]) => result.items.filter((i) => statuses.includes(i.status)).length;
  return {
    ok: count('ok'),
    // A removal counts as a change: the item's own status says which it is.
    changed: count(...CHANGE_STATUSES),
    failed: count('failed') + (result.status === 'failed' && result.items.length === 0 ? 1 : 0),
    notRun: count('not run'),
  };
}

/** A host's counts in a line of progress, e.g. `ok=3 would-change=1 failed=0 not-run=0`. */
export function tallyWords(result: HostResult, check: boolean): string {
  const t = tally(result);
  return `ok=${t.ok} ${check ? 'would-change' : 'changed'}=${t.changed} failed=${t.failed} not-run=${t.notRun}`;
}

/**
 * Ansible's closing table: one line per host, then what failed and why. A run a signal stopped says
 * so in its heading, and each line says whether that host's work was cut short (`interrupted=1`).
 */
export function recap(results: readonly HostResult[], check: boolean, interruptedBy?: string): string {
  const width = Math.max(...results.map((r) => r.host.length));
  const lines = [heading(check, interruptedBy)];
  for (const result of results) {
    const t = tally(result);
    const unreachable = result.status === 'unreachable' ? 1 : 0;
    const interrupted = interruptedBy ? ` interrupted=${result.status === 'interrupted' ? 1 : 0}` : '';
    lines.push(`${result.host.padEnd(width)} : ok=${t.ok} ${check ? 'would-change' : 'changed'}=${t.changed} unreachable=${unreachable} failed=${t.failed} not-run=${t.notRun}${interrupted}`);
  }
  for (const result of results) {
    if (result.error) lines.push(`${result.host}: ${result.status}: ${result.error}`);
    for (const item of result.items.filter((i) => i.status === 'failed')) lines.push(`${result.host}: failed: ${describeItem(item.item)}: ${item.reason}`);
    for (const unmanaged of result.unmanaged) lines.push(`${result.host}: left alone: ${leftAlone(unmanaged)}`);
    for (const withheld of result.withheld ?? []) lines.push(`${result.host}: withheld: ${withheld}`);
  }
  return `${lines.join('\n')}\n`;
}

function heading(check: boolean, interruptedBy: string | undefined): string {
  const notes = [...(check ? ['check: nothing was changed'] : []), ...(interruptedBy ? [`interrupted by ${interruptedBy}: nothing new was started after it`] : [])];
  return notes.length > 0 ? `RECAP (${notes.join('; ')})` : 'RECAP';
}

function leftAlone(unmanaged: UnmanagedService): string {
  switch (unmanaged.kind) {
    case 'not-owned':
      return `IPVS service ${unmanaged.service} is not lvsplay's (not in its inventory or rules file)`;
    case 'unsupported':
      return `IPVS service ${unmanaged.service} (${unmanaged.reason}): lvsplay cannot express it, so never edits or deletes it`;
    case 'keepalived':
      return `IPVS service ${unmanaged.service} is managed by keepalived (its health checks add and remove real servers), which lvsplay configures`;
  }
}

export function jsonReport(results: readonly HostResult[], check: boolean, runId: string, interruptedBy?: string): string {
  return `${JSON.stringify(
    {
      runId,
      check,
      ...(interruptedBy && { interrupted: interruptedBy }),
      hosts: results.map((r) => ({
        host: r.host,
        status: r.status,
        ...(r.error && { error: r.error }),
        tally: tally(r),
        items: r.items.map((i) => ({ item: describeItem(i.item), kind: i.item.kind === 'removal' ? i.item.entry.kind : i.item.kind, roles: i.item.roles, status: i.status, reason: i.reason })),
        unmanaged: r.unmanaged,
        ...(r.withheld && { withheld: r.withheld }),
        ...(r.diffs.length > 0 && { diffs: r.diffs }),
      })),
    },
    null,
    2,
  )}\n`;
}
