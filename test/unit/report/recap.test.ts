import { strict as assert } from 'node:assert';
import { jsonReport, recap } from '../../../src/report/recap.ts';
import type { HostResult } from '../../../src/run/outcome.ts';
import { item } from './item-result.ts';

const RESULTS: HostResult[] = [
  { host: 'router', status: 'changed', items: [item('net.ipv4.ip_forward', 'changed', 'is 0, wants 1'), item('a', 'ok', 'is 1')], unmanaged: [], diffs: [] },
  { host: 'lvs', status: 'ok', items: [item('b', 'ok', 'is 1')], unmanaged: [{ service: 'tcp 10.0.0.1:80', kind: 'not-owned' }], diffs: [] },
  { host: 'rs1', status: 'unreachable', items: [], error: 'rs1 (127.0.0.1:1): connection refused', unmanaged: [], diffs: [] },
  { host: 'rs2', status: 'failed', items: [item('c', 'failed', 'still differs after apply: is 0, wants 1'), item('d', 'not run', 'an earlier step failed')], unmanaged: [], diffs: [] },
];

describe('the recap', () => {
  it('has a line per host, then what failed and what was left alone, and why', () => {
    assert.equal(
      recap(RESULTS, false),
      [
        'RECAP',
        'router : ok=1 changed=1 unreachable=0 failed=0 not-run=0',
        'lvs    : ok=1 changed=0 unreachable=0 failed=0 not-run=0',
        'rs1    : ok=0 changed=0 unreachable=1 failed=0 not-run=0',
        'rs2    : ok=0 changed=0 unreachable=0 failed=1 not-run=1',
        "lvs: left alone: IPVS service tcp 10.0.0.1:80 is not lvsplay's (not in its inventory or rules file)",
        'rs1: unreachable: rs1 (127.0.0.1:1): connection refused',
        'rs2: failed: sysctl c = 1: still differs after apply: is 0, wants 1',
        '',
      ].join('\n'),
    );
  });

  it('says so when nothing was changed because of --check', () => {
    assert.match(recap([{ ...RESULTS[0]!, items: [item('x', 'would change', 'is 0, wants 1')] }], true), /^RECAP \(check: nothing was changed\)\nrouter : ok=0 would-change=1 /);
  });

  it('gives the same as JSON, with a tally per host', () => {
    const report = JSON.parse(jsonReport(RESULTS, false, 'run-1'));
    assert.equal(report.runId, 'run-1');
    assert.deepEqual(
      report.hosts.map((h: { host: string; status: string }) => [h.host, h.status]),
      [
        ['router', 'changed'],
        ['lvs', 'ok'],
        ['rs1', 'unreachable'],
        ['rs2', 'failed'],
      ],
    );
    assert.deepEqual(report.hosts[0].tally, { ok: 1, changed: 1, failed: 0, notRun: 0 });
    assert.deepEqual(report.hosts[0].items[0], { item: 'sysctl net.ipv4.ip_forward = 1', kind: 'sysctl', roles: ['router'], status: 'changed', reason: 'is 0, wants 1' });
  });
});
