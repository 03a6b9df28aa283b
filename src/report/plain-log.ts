import { describeItem } from '../run/describe.ts';
import type { HostResult, ItemResult } from '../run/outcome.ts';
import type { RunEvent, RunObserver } from './events.ts';
import { tallyWords } from './recap.ts';

/**
 * The run as a log, for output that is not a terminal (CI): a line when a stage starts, a line per host
 * when its facts are in, and, when a host is done with its stage, each item once with its final status,
 * then the host's own line: ✔ only for a host that did not fail.
 */
export function plainLog(write: (text: string) => void, check: boolean): RunObserver {
  return (event) => {
    const lines = logLines(event, check);
    if (lines.length > 0) write(lines.map((line) => `${line}\n`).join(''));
  };
}

export function logLines(event: RunEvent, check: boolean): string[] {
  switch (event.kind) {
    case 'stage':
      return [event.hosts === 0 ? `${event.title}: none selected` : event.title];
    case 'started':
      // The log says what a host's work came to, not when it began.
      return [];
    case 'planned':
      return [`  ${event.host}: facts gathered, ${event.pendingChanges === 0 ? 'nothing to change' : `${event.pendingChanges} to change`}`];
    case 'finished':
      return [...event.result.items.map((item) => itemLine(event.result.host, item)), hostLine(event.result, check)];
    case 'passed-over':
      return [`  ↓ ${event.result.host}: skipped, ${event.result.status} earlier`];
  }
}

function itemLine(host: string, result: ItemResult): string {
  return `  ${host}: ${result.status}: ${describeItem(result.item)} (${result.reason})`;
}

function hostLine(result: HostResult, check: boolean): string {
  const counts = result.items.length > 0 ? ` (${tallyWords(result, check)})` : '';
  const error = result.error ? `: ${result.error}` : '';
  switch (result.status) {
    case 'ok':
    case 'changed':
      return `  ✔ ${result.host}: ${result.status === 'ok' ? 'ok' : check ? 'would change' : 'changed'}${counts}`;
    case 'interrupted':
      return `  ↓ ${result.host}: interrupted${error}`;
    case 'failed':
    case 'unreachable':
      return `  ✖ ${result.host}: ${result.status}${error}${counts}`;
  }
}
