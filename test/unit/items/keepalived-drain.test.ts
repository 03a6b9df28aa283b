// Real servers leaving keepalived's services: planned from /proc/net/ip_vs as recorded on the lab, drained
// (weight 0, then the wait) between keepalived.conf's write and its reload, and read back gone with a wait
// (keepalived's checker applies a reload a moment after it has read the file).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applySteps } from '../../../src/apply/script.ts';
import type { KeepalivedDrainItem } from '../../../src/desired/state.ts';
import { ipvsGoneFact, parseIpvsGone } from '../../../src/facts/ipvs-gone.ts';
import { parseProcIpvs } from '../../../src/facts/ipvs-proc.ts';
import type { DrainTimeout } from '../../../src/inventory/model.ts';
import { keepalivedDrainKind } from '../../../src/items/keepalived-drain.ts';
import { planHost } from '../../../src/plan/plan.ts';
import { svc } from '../ipvs/helpers.ts';
import { NO_FACTS } from '../plan/no-facts.ts';

const PROC = fileURLToPath(new URL('../../fixtures/facts/proc-net-ip_vs.txt', import.meta.url));
/** The recorded table: tcp 192.168.10.100:80 rr with 192.168.10.71:80 (weight 1) and 192.168.10.72:80 (weight 3). */
const LIVE = parseProcIpvs(readFileSync(PROC, 'utf8'));
const SEED_WITHOUT_RS2 = svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1');

function item(timeout: number, table = [SEED_WITHOUT_RS2]): KeepalivedDrainItem {
  return { kind: 'keepalived-drain', table, drainTimeouts: { 'tcp 192.168.10.100:80': timeout as DrainTimeout } };
}

describe("keepalived's real servers drained before its reload deletes them", () => {
  it('drains a live real server the inventory no longer lists, with its service’s timeout', () => {
    const planned = keepalivedDrainKind.plan(item(30), { ipvsProc: { table: LIVE } });
    assert.equal(planned.verdict.status, 'change');
    assert.equal(planned.verdict.reason, "drain 192.168.10.72:80 of tcp 192.168.10.100:80 (at most 30 s) before keepalived's reload deletes it");
    assert.deepEqual(
      planned.drains?.map((d) => [d.destination.address, d.destination.port, d.destination.weight]),
      [['192.168.10.72', 80, 3]],
    );
  });

  it('drains nothing when every live real server is wanted, when the timeout is 0, or when ip_vs is not loaded', () => {
    const both = svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 3');
    assert.deepEqual(keepalivedDrainKind.plan(item(30, [both]), { ipvsProc: { table: LIVE } }).verdict, { status: 'ok', reason: "no real server leaves keepalived's services" });
    assert.equal(keepalivedDrainKind.plan(item(0), { ipvsProc: { table: LIVE } }).verdict.status, 'ok');
    assert.equal(keepalivedDrainKind.plan(item(30), { ipvsProc: { table: undefined } }).verdict.status, 'ok');
  });

  it('sets weight 0 and waits, then the reload handler runs', () => {
    const state = { host: { name: 'lvs' }, roles: ['director-dr'], items: [{ ...item(30), roles: ['director-dr'] }] };
    const plan = planHost(state as never, { ...NO_FACTS, ipvsProc: { table: LIVE } });
    const steps = applySteps(plan);
    assert.deepEqual(
      steps.map((s) => s.title),
      ["drain 1 real server of keepalived's services (at most 30 s)", 'reload keepalived'],
    );
    assert.match(steps[0]!.body, /lvsplay_active 'TCP C0A80A64:0050' 'C0A80A48:0050'/);
    for (const shell of ['dash', 'bash']) execFileSync(shell, ['-n'], { input: steps[0]!.body });
  });

  it('reads back the real servers still live after the wait, from /proc/net/ip_vs as the lab recorded it', () => {
    const fact = ipvsGoneFact(
      [
        { service: SEED_WITHOUT_RS2, address: '192.168.10.72', port: 80 },
        { service: SEED_WITHOUT_RS2, address: '192.168.10.79', port: 80 },
      ],
      0,
    );
    const output = execFileSync('dash', ['-c', fact.command.replaceAll('/proc/net/ip_vs', PROC)], { encoding: 'utf8' });
    assert.deepEqual(fact.parse(output), new Set(['TCP C0A80A64:0050 C0A80A48:0050']));
    const drains = keepalivedDrainKind.plan(item(30), { ipvsProc: { table: LIVE } }).drains!;
    const planned = { ...item(30), roles: ['director-dr' as const], verdict: { status: 'change' as const, reason: '' }, drains };
    assert.equal(keepalivedDrainKind.readBack!(planned, { ipvsStill: fact.parse(output) }).verdict.status, 'fail');
    assert.deepEqual(keepalivedDrainKind.readBack!(planned, { ipvsStill: new Set() }).verdict, {
      status: 'ok',
      reason: "192.168.10.72:80 of tcp 192.168.10.100:80 drained, then deleted by keepalived's reload",
    });
    assert.throws(() => parseIpvsGone('hello\n'), /unexpected line 'hello'/);
  });
});
