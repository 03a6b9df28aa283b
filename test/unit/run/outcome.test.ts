// What one item's result is after the apply: a change counts only once read back from the host, a failed step
// fails its items, and the steps after it did not run.
import { strict as assert } from 'node:assert';
import type { Step, StepOutcome } from '../../../src/apply/script.ts';
import type { PlannedItem, Verdict } from '../../../src/plan/plan.ts';
import { itemAfterApply } from '../../../src/run/outcome.ts';

const CHANGE: Verdict = { status: 'change', reason: 'net.ipv4.ip_forward is 0, wants 1' };

function sysctl(key: string, verdict: Verdict): PlannedItem {
  return { kind: 'sysctl', key, value: '1', file: '/etc/sysctl.d/90-lvsplay.conf', roles: ['director-nat'], verdict };
}

const FORWARD = sysctl('net.ipv4.ip_forward', CHANGE);
const ARP = sysctl('net.ipv4.conf.all.arp_ignore', { status: 'change', reason: 'net.ipv4.conf.all.arp_ignore is 0, wants 1' });

const STEPS: readonly Step[] = [
  { id: 1, title: 'sysctl net.ipv4.ip_forward', items: [FORWARD], body: 'true' },
  { id: 2, title: 'sysctl net.ipv4.conf.all.arp_ignore', items: [ARP], body: 'true' },
];

const ALL_OK: StepOutcome = { ok: [1, 2] };
const FIRST_FAILED: StepOutcome = { ok: [], failed: { id: 1, code: 255, output: 'sysctl: permission denied' } };

describe('an item after the apply', () => {
  it('is failed, saying so, when read back it still differs', () => {
    const after = sysctl('net.ipv4.ip_forward', { status: 'change', reason: 'net.ipv4.ip_forward is 0, wants 1' });
    assert.deepEqual(itemAfterApply(FORWARD, after, STEPS, ALL_OK), { item: FORWARD, status: 'failed', reason: 'still differs after apply: net.ipv4.ip_forward is 0, wants 1' });
  });

  it('is changed, with the planned reason, when read back ok', () => {
    const after = sysctl('net.ipv4.ip_forward', { status: 'ok', reason: 'net.ipv4.ip_forward is 1' });
    assert.deepEqual(itemAfterApply(FORWARD, after, STEPS, ALL_OK), { item: FORWARD, status: 'changed', reason: 'net.ipv4.ip_forward is 0, wants 1' });
  });

  it('is failed, naming the step and its exit code, when its step failed', () => {
    assert.deepEqual(itemAfterApply(FORWARD, FORWARD, STEPS, FIRST_FAILED), {
      item: FORWARD,
      status: 'failed',
      reason: 'sysctl net.ipv4.ip_forward failed (exit 255): sysctl: permission denied',
    });
  });

  it('is not run when an earlier step failed', () => {
    assert.deepEqual(itemAfterApply(ARP, ARP, STEPS, FIRST_FAILED), { item: ARP, status: 'not run', reason: 'an earlier step failed' });
  });

  it('is ok, with its reason, when it was planned ok', () => {
    const ok = sysctl('net.ipv4.ip_forward', { status: 'ok', reason: 'net.ipv4.ip_forward is 1' });
    assert.deepEqual(itemAfterApply(ok, ok, STEPS, ALL_OK), { item: ok, status: 'ok', reason: 'net.ipv4.ip_forward is 1' });
  });

  it('is removed when a removal reads back gone, failed when it is still there', () => {
    const removal: PlannedItem = {
      kind: 'removal',
      entry: { kind: 'unit', name: 'lvsplay-addresses.service' },
      undo: { kind: 'unit', name: 'lvsplay-addresses.service' },
      roles: [],
      verdict: { status: 'remove', reason: 'stop and disable it' },
    };
    const steps: Step[] = [{ id: 1, title: 'systemctl disable --now --no-reload lvsplay-addresses.service', items: [removal], body: 'true' }];
    assert.deepEqual(itemAfterApply(removal, { ...removal, verdict: { status: 'ok', reason: 'no longer installed' } }, steps, { ok: [1] }), {
      item: removal,
      status: 'removed',
      reason: 'stop and disable it',
    });
    assert.deepEqual(itemAfterApply(removal, { ...removal, verdict: { status: 'remove', reason: 'active' } }, steps, { ok: [1] }), {
      item: removal,
      status: 'failed',
      reason: 'still there after removal: active',
    });
  });

  it("counts the manifest's write, which runs after a failed step too, as done, not as not run", () => {
    const manifest: PlannedItem = { kind: 'manifest', roles: [], verdict: { status: 'change', reason: 'missing' }, write: { content: 'a', fallback: 'b' } };
    const steps: Step[] = [...STEPS, { id: 3, title: 'write manifest', items: [manifest], body: 'true', always: true }];
    const written: PlannedItem = { ...manifest, verdict: { status: 'ok', reason: 'written, keeping every entry since a step failed' } };
    assert.equal(itemAfterApply(manifest, written, steps, { ok: [3], failed: { id: 1, code: 1, output: '' } }).status, 'changed');
  });
});
