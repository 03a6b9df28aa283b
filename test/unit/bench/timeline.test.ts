// The phases of an observed run (bench/lib/timeline.ts); the run observed for real, in its own process, is
// tested beside the engine's hook (test/unit/cli/observe.test.ts).
import { strict as assert } from 'node:assert';
import { medianRun, phaseMeasurements, phasesOf, type RunPhases, type Timeline } from '../../../bench/lib/timeline.ts';

/** A first converge of a router and a real server, the real server unreachable; times in ms. */
const TIMELINE: Timeline = {
  loaded: 300,
  events: [
    { at: 500, kind: 'stage', title: 'Gather facts from 2 hosts', hosts: 2 },
    { at: 501, kind: 'started', host: 'router', work: 'facts' },
    { at: 502, kind: 'started', host: 'rs1', work: 'facts' },
    { at: 520, kind: 'finished', host: 'rs1', status: 'unreachable' },
    { at: 900, kind: 'planned', host: 'router', pendingChanges: 3 },
    { at: 910, kind: 'stage', title: 'Apply routers', hosts: 1 },
    { at: 911, kind: 'started', host: 'router', work: 'apply' },
    { at: 1700, kind: 'finished', host: 'router', status: 'changed' },
    { at: 1701, kind: 'stage', title: 'Apply real servers', hosts: 1 },
    { at: 1702, kind: 'passed-over', host: 'rs1', status: 'unreachable' },
    { at: 1703, kind: 'stage', title: 'Apply directors', hosts: 0 },
  ],
  connects: [
    { host: 'rs1', start: 505, end: 519, ok: false },
    { host: 'router', start: 505, end: 700, ok: true },
  ],
  roundTrips: [
    { host: 'router', start: 701, end: 880, sent: 4000, received: 2000, code: 0 },
    { host: 'router', start: 920, end: 1690, sent: 9000, received: 500, code: 0 },
  ],
  closes: [{ host: 'router', start: 1710, end: 1750 }],
  done: 1760,
};

describe('bench timeline: an observed run, stage by stage', () => {
  it('reads the run and each host from the engine events and the round trips', () => {
    const phases = phasesOf(TIMELINE, 2.0);
    const near = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);
    near(phases.loaded, 0.3);
    near(phases.startUp, 0.5);
    near(phases.factsStage, 0.4);
    // From the first roll-out stage to the last event: the directors' stage, with no host.
    near(phases.rollOut, 0.793);
    near(phases.end, 0.057);
    near(phases.outside, 2.0 - 1.76);
    const [router, rs1] = phases.hosts;
    assert.equal(router?.host, 'router');
    near(router?.connect, 0.195);
    near(router?.factsRoundTrip, 0.179);
    near(router?.plan, 0.02);
    near(router?.apply, 0.789);
    near(router?.applyRoundTrip, 0.77);
    near(router?.close, 0.04);
    assert.deepEqual([router?.factsReceived, router?.applySent, router?.applyReceived], [2000, 9000, 500]);
    // A host that stopped at its facts: its connection, no round trip, no plan, no apply.
    assert.equal(rs1?.host, 'rs1');
    near(rs1?.queued, 0.002);
    near(rs1?.facts, 0.018);
    near(rs1?.connect, 0.014);
    assert.deepEqual([rs1?.factsRoundTrip, rs1?.plan, rs1?.apply, rs1?.applyRoundTrip], [undefined, undefined, undefined, undefined]);
  });

  it('gives a figure only when every repetition has it, and describes the median repetition', () => {
    const noop: RunPhases = { ...phasesOf(TIMELINE), rollOut: 0, hosts: [{ host: 'router', queued: 0, facts: 0.4, connect: 0.2 }] };
    const names = (runs: RunPhases[]) => phaseMeasurements('x', runs).map((m) => m.name.replace('x, stage by stage: ', ''));
    assert.ok(names([phasesOf(TIMELINE, 2)]).includes('slowest host: apply round trip (apply and read-back in one)'));
    assert.ok(!names([phasesOf(TIMELINE, 2), noop]).includes('slowest host: apply round trip (apply and read-back in one)'));
    assert.ok(!names([phasesOf(TIMELINE)]).some((name) => name.startsWith('spawn + exit')));
    const startUp = phaseMeasurements('x', [phasesOf(TIMELINE), noop])[0]!;
    assert.deepEqual(startUp.seconds, [0.5, 0.5]);
    const slow = { ...noop, startUp: 9 };
    assert.equal(medianRun([slow, noop, { ...noop, startUp: 3 }]).startUp, 3);
  });

  it('refuses a run that told no stage', () => {
    assert.throws(() => phasesOf({ ...TIMELINE, events: [] }), /no stage/);
  });
});
