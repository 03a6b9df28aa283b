// What one lvsplay run did and when, recorded inside the run's own process (bench/lib/observed-lvsplay.js):
// the events the engine tells its observer (RunDeps.observe), and each connection and round trip as seen
// through lvsplay's own connect() (RunDeps.dial). The tiers time lvsplay's stages from this record instead
// of rebuilding the pipeline from its parts.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { RunEvent, RunObserver } from '../../src/report/events.ts';
import type { Dial } from '../../src/run/host-run.ts';
import type { HostStatus } from '../../src/run/outcome.ts';
import { summarize, type Measurement } from './measure.ts';

/** An engine event with its time; a host result is kept as its status (the JSON report has the rest). */
export type Mark = { readonly at: number } & (
  | { readonly kind: 'stage'; readonly title: string; readonly hosts: number }
  | { readonly kind: 'started'; readonly host: string; readonly work: 'facts' | 'apply' }
  | { readonly kind: 'planned'; readonly host: string; readonly pendingChanges: number }
  | { readonly kind: 'finished' | 'passed-over'; readonly host: string; readonly status: HostStatus }
);

export interface Span {
  readonly host: string;
  readonly start: number;
  readonly end: number;
}

/**
 * One exec() on a connection: what it sent on stdin and read from stdout (in characters, which for lvsplay's
 * scripts and their output, ASCII, are bytes), and its exit code.
 */
export interface RoundTrip extends Span {
  readonly sent: number;
  readonly received: number;
  readonly code: number | 'error';
}

/** Every time is in ms on the run's process clock (`performance.now()`: 0 is the process's start). */
export interface Timeline {
  /** When lvsplay's CLI module was in: Node's start-up, jiti and the CLI's own imports came before. */
  readonly loaded: number;
  readonly events: readonly Mark[];
  readonly connects: readonly (Span & { readonly ok: boolean })[];
  readonly roundTrips: readonly RoundTrip[];
  readonly closes: readonly Span[];
  /** When lvsplay's main() returned: the report written and every connection closed. */
  readonly done: number;
}

function markOf(at: number, event: RunEvent): Mark {
  switch (event.kind) {
    case 'stage':
    case 'started':
    case 'planned':
      return { at, ...event };
    case 'finished':
    case 'passed-over':
      return { at, kind: event.kind, host: event.result.host, status: event.result.status };
  }
}

/** The hooks the observed run hands lvsplay's main(), and `finish`, which writes what they saw. */
export function recorder(loaded: number): { observe: RunObserver; dial: Dial; finish: (file: string) => void } {
  const now = () => performance.now();
  const events: Mark[] = [];
  const connects: (Span & { ok: boolean })[] = [];
  const roundTrips: RoundTrip[] = [];
  const closes: Span[] = [];
  const dial: Dial = async (route, options, name, bastions) => {
    // Loaded when first dialled, as the run command itself loads it: not at start-up.
    const { connect } = await import('../../src/ssh/connection.ts');
    const start = now();
    const connection = await connect(route, options, name, bastions).catch((error: unknown) => {
      connects.push({ host: name, start, end: now(), ok: false });
      throw error;
    });
    connects.push({ host: name, start, end: now(), ok: true });
    return {
      host: connection.host,
      address: connection.address,
      exec: async (script, stdin) => {
        const began = now();
        const trip = { host: name, start: began, sent: stdin?.length ?? 0 };
        try {
          const result = await connection.exec(script, stdin);
          roundTrips.push({ ...trip, end: now(), received: result.stdout.length, code: result.code });
          return result;
        } catch (error) {
          roundTrips.push({ ...trip, end: now(), received: 0, code: 'error' });
          throw error;
        }
      },
      close: async () => {
        const began = now();
        await connection.close();
        closes.push({ host: name, start: began, end: now() });
      },
    };
  };
  return {
    observe: (event) => events.push(markOf(now(), event)),
    dial,
    finish: (file) => {
      const timeline: Timeline = { loaded, events, connects, roundTrips, closes, done: now() };
      writeFileSync(file, JSON.stringify(timeline));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// From a timeline to phases, in seconds. Pure.
// ---------------------------------------------------------------------------------------------------------

/** One host's stages, in seconds. A host that stopped at its facts has no apply. */
export interface HostPhases {
  readonly host: string;
  /** From the facts stage's start to this host's: waiting for a --forks slot. */
  readonly queued: number;
  /** Connection, facts and plan: from the host's start to its plan (or its failure). */
  readonly facts: number;
  readonly connect?: number;
  /** The facts script's round trip (the first exec on the connection). */
  readonly factsRoundTrip?: number;
  /** From the facts work's last round trip to its plan: parsing the facts and planning. */
  readonly plan?: number;
  /** Apply and read-back: from the apply's start to the host's result. */
  readonly apply?: number;
  /** The apply script's round trip (apply and read-back in one), when there was anything to apply. */
  readonly applyRoundTrip?: number;
  readonly close?: number;
  /** Bytes: the facts script's output, and the apply script and its output. */
  readonly factsReceived?: number;
  readonly applySent?: number;
  readonly applyReceived?: number;
}

/** A whole run's stages, in seconds on its own clock; `outside` is what the caller's wall time adds. */
export interface RunPhases {
  /** Node, jiti and the CLI module: until lvsplay's CLI was loaded. */
  readonly loaded: number;
  /** Until the facts stage starts: start-up, inventory, roles, templates, keys. */
  readonly startUp: number;
  /** From the facts stage's start to the last host's plan or failure. */
  readonly factsStage: number;
  /** From the first roll-out stage's start to the last host's result (with --check: no round trip). */
  readonly rollOut: number;
  /** After the last result until main() returned: the report, closing every connection. */
  readonly end: number;
  /** The caller's wall time less the run's own clock: spawning the process, and its exit. */
  readonly outside?: number;
  readonly hosts: readonly HostPhases[];
}

const seconds = (ms: number) => ms / 1000;

/** The phases of one run; `wallSeconds`, when the caller timed the process, gives `outside`. */
export function phasesOf(timeline: Timeline, wallSeconds?: number): RunPhases {
  const { events } = timeline;
  const stages = events.filter((e) => e.kind === 'stage');
  const factsStage = stages[0];
  if (!factsStage) throw new Error('the run told no stage: did it reach its hosts at all?');
  const rollOutStart = stages[1]?.at;
  const factsDone = new Map<string, number>();
  for (const e of events) {
    if ((e.kind === 'planned' || e.kind === 'finished') && (rollOutStart === undefined || e.at < rollOutStart) && !factsDone.has(e.host)) factsDone.set(e.host, e.at);
  }
  const last = events.at(-1)!.at;
  const factsStarts = events.flatMap((e) => (e.kind === 'started' && e.work === 'facts' ? [e] : []));
  const hosts = factsStarts.map((started): HostPhases => {
    const host = started.host;
    const factsEnd = factsDone.get(host) ?? last;
    const applyStart = events.find((e) => e.kind === 'started' && e.work === 'apply' && e.host === host)?.at;
    const applyEnd = applyStart === undefined ? undefined : events.find((e) => e.kind === 'finished' && e.host === host && e.at >= applyStart)?.at;
    const trips = timeline.roundTrips.filter((t) => t.host === host);
    const factsTrips = trips.filter((t) => t.start >= started.at && t.end <= factsEnd);
    const applyTrip = applyStart === undefined ? undefined : trips.find((t) => t.start >= applyStart && (applyEnd === undefined || t.end <= applyEnd));
    const connection = timeline.connects.find((c) => c.host === host && c.start >= started.at);
    const close = timeline.closes.find((c) => c.host === host);
    const lastFactsTrip = factsTrips.at(-1);
    return {
      host,
      queued: seconds(started.at - factsStage.at),
      facts: seconds(factsEnd - started.at),
      ...(connection && { connect: seconds(connection.end - connection.start) }),
      ...(factsTrips[0] && { factsRoundTrip: seconds(factsTrips[0].end - factsTrips[0].start), factsReceived: factsTrips[0].received }),
      ...(lastFactsTrip && factsDone.has(host) && { plan: seconds(factsEnd - lastFactsTrip.end) }),
      ...(applyStart !== undefined && applyEnd !== undefined && { apply: seconds(applyEnd - applyStart) }),
      ...(applyTrip && { applyRoundTrip: seconds(applyTrip.end - applyTrip.start), applySent: applyTrip.sent, applyReceived: applyTrip.received }),
      ...(close && { close: seconds(close.end - close.start) }),
    };
  });
  const factsEnds = [...factsDone.values()];
  return {
    loaded: seconds(timeline.loaded),
    startUp: seconds(factsStage.at),
    factsStage: seconds((factsEnds.length > 0 ? Math.max(...factsEnds) : factsStage.at) - factsStage.at),
    rollOut: rollOutStart === undefined ? 0 : seconds(last - rollOutStart),
    end: seconds(timeline.done - last),
    ...(wallSeconds !== undefined && { outside: wallSeconds - seconds(timeline.done) }),
    hosts,
  };
}

type HostFigure = 'connect' | 'factsRoundTrip' | 'plan' | 'applyRoundTrip' | 'close';

/** The largest of a host figure over a run's hosts (undefined when no host has it). */
export function slowest(phases: RunPhases, figure: HostFigure): number | undefined {
  const values = phases.hosts.map((h) => h[figure]).filter((v): v is number => v !== undefined);
  return values.length > 0 ? Math.max(...values) : undefined;
}

/** One line for the log: where a run's time went. */
export function describePhases(p: RunPhases): string {
  const s = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(2));
  return (
    `start-up ${s(p.startUp)} s (CLI loaded at ${s(p.loaded)} s), facts stage ${s(p.factsStage)} s ` +
    `(slowest host: connect ${s(slowest(p, 'connect'))} s, facts round trip ${s(slowest(p, 'factsRoundTrip'))} s, parse + plan ${s(slowest(p, 'plan'))} s), ` +
    `roll-out ${s(p.rollOut)} s (slowest apply round trip ${s(slowest(p, 'applyRoundTrip'))} s), report + close ${s(p.end)} s` +
    (p.outside === undefined ? '' : `, spawn + exit ${s(p.outside)} s`)
  );
}

/** What each figure of a run's stages is called, and how it is read from the phases. */
const FIGURES: readonly (readonly [string, (p: RunPhases) => number | undefined])[] = [
  ['start-up until the facts stage (Node, jiti, CLI, inventory, roles, templates, keys)', (p) => p.startUp],
  ['of which until the CLI module was loaded (Node, jiti)', (p) => p.loaded],
  ['facts stage, every host (connect, facts round trip, parse + plan)', (p) => p.factsStage],
  ['slowest host: connect', (p) => slowest(p, 'connect')],
  ['slowest host: facts round trip', (p) => slowest(p, 'factsRoundTrip')],
  ['slowest host: parse + plan', (p) => slowest(p, 'plan')],
  ['roll-out stages, every host (apply + read-back)', (p) => p.rollOut],
  ['slowest host: apply round trip (apply and read-back in one)', (p) => slowest(p, 'applyRoundTrip')],
  ['after the last host: report + closing every connection', (p) => p.end],
  ["spawn + exit (wall time less the run's own clock)", (p) => p.outside],
];

/**
 * Each stage of `label`'s runs over the repetitions (min and median), as the engine told them: a figure
 * only when every repetition has it (a no-op has no apply round trip).
 */
export function phaseMeasurements(label: string, runs: readonly RunPhases[], extra: Partial<Measurement> = {}): Measurement[] {
  return FIGURES.flatMap(([name, of]) => {
    const values = runs.map(of).filter((v): v is number => v !== undefined);
    return runs.length > 0 && values.length === runs.length
      ? [
          summarize(
            `${label}, stage by stage: ${name}`,
            values.map((v) => Math.round(v * 1000) / 1000),
            extra,
          ),
        ]
      : [];
  });
}

/** The repetition whose own clock (start-up to main()'s return) is the median: the one a log line describes. */
export function medianRun(runs: readonly RunPhases[]): RunPhases {
  const total = (p: RunPhases) => p.startUp + p.factsStage + p.rollOut + p.end;
  const sorted = [...runs].sort((a, b) => total(a) - total(b));
  const run = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!run) throw new Error('no run to describe');
  return run;
}

// ---------------------------------------------------------------------------------------------------------
// Running lvsplay observed: the command line, and reading what it recorded.
// ---------------------------------------------------------------------------------------------------------

const OBSERVED_LVSPLAY = fileURLToPath(new URL('./observed-lvsplay.js', import.meta.url));
let timelines = 0;

/** Where one run writes its timeline: a file of its own under the system's temporary folder. */
export function timelineFile(): string {
  return join(tmpdir(), `lvsplay-bench-timeline-${process.pid}-${++timelines}.json`);
}

/** What follows `node [options]` to run `lvsplay ARGS` observed, its timeline written to `file`. */
export function observedArgs(file: string, args: readonly string[]): string[] {
  return [OBSERVED_LVSPLAY, file, ...args];
}

/**
 * The stages of the run that wrote `file` (which is removed), its wall time as the caller measured it;
 * none when it wrote no timeline (it died first) or reached no stage (render, --help, a refused inventory).
 */
export function takePhases(file: string, wallSeconds: number): RunPhases | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  } finally {
    rmSync(file, { force: true });
  }
  const timeline = JSON.parse(text) as Timeline;
  return timeline.events.some((e) => e.kind === 'stage') ? phasesOf(timeline, wallSeconds) : undefined;
}
