import { strict as assert } from 'node:assert';
import { signalExitCode } from '../../../src/commands/interruption.ts';
import { stoppedMessage } from '../../../src/commands/run.ts';
import { jsonReport, recap } from '../../../src/report/recap.ts';
import type { HostResult } from '../../../src/run/outcome.ts';
import { item } from './item-result.ts';

// A run interrupted while the router's apply script ran: the router finished, lvs had its facts but
// no apply, rs1 was never started.
const RESULTS: HostResult[] = [
  { host: 'router', status: 'changed', items: [item('net.ipv4.ip_forward', 'changed', 'is 0, wants 1')], unmanaged: [], diffs: [] },
  {
    host: 'lvs',
    status: 'interrupted',
    items: [item('a', 'ok', 'is 1'), item('b', 'not run', 'interrupted before apply: is 0, wants 1')],
    error: 'facts gathered, changes not applied; nothing was changed',
    unmanaged: [],
    diffs: [],
  },
  { host: 'rs1', status: 'interrupted', items: [], error: 'not started (facts not gathered); nothing was changed', unmanaged: [], diffs: [] },
];

describe('the recap of an interrupted run', () => {
  it('names the signal, and marks each host whose work it cut short', () => {
    assert.equal(
      recap(RESULTS, false, 'SIGINT'),
      [
        'RECAP (interrupted by SIGINT: nothing new was started after it)',
        'router : ok=0 changed=1 unreachable=0 failed=0 not-run=0 interrupted=0',
        'lvs    : ok=1 changed=0 unreachable=0 failed=0 not-run=1 interrupted=1',
        'rs1    : ok=0 changed=0 unreachable=0 failed=0 not-run=0 interrupted=1',
        'lvs: interrupted: facts gathered, changes not applied; nothing was changed',
        'rs1: interrupted: not started (facts not gathered); nothing was changed',
        '',
      ].join('\n'),
    );
  });

  it('has no interrupted column when no signal came', () => {
    assert.doesNotMatch(recap(RESULTS.slice(0, 1), false), /interrupted/);
  });

  it('says the same in JSON: the signal, and each host status', () => {
    const report = JSON.parse(jsonReport(RESULTS, true, 'run-1', 'SIGTERM'));
    assert.equal(report.interrupted, 'SIGTERM');
    assert.deepEqual(
      report.hosts.map((h: { host: string; status: string }) => [h.host, h.status]),
      [
        ['router', 'changed'],
        ['lvs', 'interrupted'],
        ['rs1', 'interrupted'],
      ],
    );
    assert.equal(report.hosts[2].error, 'not started (facts not gathered); nothing was changed');
    assert.equal('interrupted' in JSON.parse(jsonReport(RESULTS, true, 'run-1')), false);
  });
});

describe('a second signal', () => {
  it('names the hosts whose apply script was running, or says none was', () => {
    assert.equal(stoppedMessage('SIGINT', []), 'SIGINT again: stopped at once; no host was applying changes, none is part-way');
    assert.equal(stoppedMessage('SIGTERM', ['lvs', 'rs2']), 'SIGTERM again: stopped at once; these hosts were applying changes and may be part-way: lvs, rs2 (run again, or --check them)');
  });

  it('exits as the shell reports a process the signal ended: 130 and 143', () => {
    assert.equal(signalExitCode('SIGINT'), 130);
    assert.equal(signalExitCode('SIGTERM'), 143);
  });
});
