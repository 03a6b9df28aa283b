import { strict as assert } from 'node:assert';
import { logLines, plainLog } from '../../../src/report/plain-log.ts';
import type { HostResult } from '../../../src/run/outcome.ts';
import { item } from './item-result.ts';

const host = (result: Partial<HostResult> & Pick<HostResult, 'host' | 'status'>): HostResult => ({ items: [], unmanaged: [], diffs: [], ...result });

describe('the plain log', () => {
  it('says when a stage has no host to work on', () => {
    assert.deepEqual(logLines({ kind: 'stage', title: 'Apply routers', hosts: 0 }, false), ['Apply routers: none selected']);
    assert.deepEqual(logLines({ kind: 'stage', title: 'Apply routers', hosts: 1 }, false), ['Apply routers']);
  });

  it("writes nothing when a host's work starts: the log says what it came to", () => {
    const written: string[] = [];
    const observe = plainLog((text) => written.push(text), false);
    observe({ kind: 'started', host: 'router', work: 'facts' });
    observe({ kind: 'started', host: 'router', work: 'apply' });
    assert.deepEqual(written, []);
  });

  it('after an apply, gives each item once with its final status, then ✔ and what changed', () => {
    const result = host({ host: 'router', status: 'changed', items: [item('net.ipv4.ip_forward', 'changed', 'is 0, wants 1'), item('a', 'ok', 'is 1')] });
    assert.deepEqual(logLines({ kind: 'finished', result }, false), [
      '  router: changed: sysctl net.ipv4.ip_forward = 1 (is 0, wants 1)',
      '  router: ok: sysctl a = 1 (is 1)',
      '  ✔ router: changed (ok=1 changed=1 failed=0 not-run=0)',
    ]);
  });

  it('marks a host that failed in its apply ✖ with why, its failed and not-run items once each', () => {
    const result = host({
      host: 'rs2',
      status: 'failed',
      error: 'systemctl daemon-reload failed (exit 1): no output',
      items: [item('c', 'failed', 'still differs after apply: is 0, wants 1'), item('d', 'not run', 'an earlier step failed')],
    });
    const lines = logLines({ kind: 'finished', result }, false);
    assert.deepEqual(lines, [
      '  rs2: failed: sysctl c = 1 (still differs after apply: is 0, wants 1)',
      '  rs2: not run: sysctl d = 1 (an earlier step failed)',
      '  ✖ rs2: failed: systemctl daemon-reload failed (exit 1): no output (ok=0 changed=0 failed=1 not-run=1)',
    ]);
    assert.ok(lines.every((line) => !line.includes('✔')));
  });

  it('names an unreachable or interrupted host once, and passes over a host that stopped earlier', () => {
    const unreachable = host({ host: 'rs1', status: 'unreachable', error: 'rs1 (127.0.0.1:1): connection refused' });
    assert.deepEqual(logLines({ kind: 'finished', result: unreachable }, true), ['  ✖ rs1: unreachable: rs1 (127.0.0.1:1): connection refused']);
    assert.deepEqual(logLines({ kind: 'passed-over', result: unreachable }, true), ['  ↓ rs1: skipped, unreachable earlier']);
    const interrupted = host({
      host: 'lvs',
      status: 'interrupted',
      error: 'facts gathered, changes not applied; nothing was changed',
      items: [item('b', 'not run', 'interrupted before apply: is 0, wants 1')],
    });
    assert.deepEqual(logLines({ kind: 'finished', result: interrupted }, false), [
      '  lvs: not run: sysctl b = 1 (interrupted before apply: is 0, wants 1)',
      '  ↓ lvs: interrupted: facts gathered, changes not applied; nothing was changed',
    ]);
  });

  it('writes each event as whole lines', () => {
    const written: string[] = [];
    const observe = plainLog((text) => written.push(text), true);
    observe({ kind: 'planned', host: 'router', pendingChanges: 2 });
    observe({ kind: 'planned', host: 'rs2', pendingChanges: 0 });
    assert.deepEqual(written, ['  router: facts gathered, 2 to change\n', '  rs2: facts gathered, nothing to change\n']);
  });
});
