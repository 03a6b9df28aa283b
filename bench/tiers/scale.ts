// Scale tier of `npm run bench`: N hosts as systemd-nspawn containers (bench/fleet/), one router and N-1
// LVS-DR real servers, for N = 50, 100, 200. At each N, side by side in one run and repeated: the two
// floors (one round trip of lvsplay's own facts script per host: N OpenSSH processes, and one Node process
// with node-ssh), lvsplay's first converge and no-op as its command line, and lvsplay's peak RSS; Ansible's
// no-op (defaults and tuned) at N = 50. Everything runs inside the fleet's own network namespace.
//
// Alone (root): node --import jiti/register bench/tiers/scale.ts [--repeat 3] [--sizes 50,100,200]
//                 [--forks 20,50,100,N] [--ansible-at 50|none] [--no-profile] [--json FILE]
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { desiredState } from '../../roles/index.ts';
import type { HostState } from '../../src/desired/state.ts';
import { factsScript } from '../../src/facts/gather.ts';
import { loadInventory } from '../../src/inventory/load.ts';
import { selectHosts } from '../../src/select.ts';
import { ensureTools, FLEET_TOOLS } from '../fleet/deps.ts';
import { startFleet, type Fleet, type FleetHost } from '../fleet/index.ts';
import { scaleInventorySource, scaleLayout, SCALE_ROLES } from '../fleet/inventory.ts';
import { mapLimit } from '../fleet/proc.ts';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from '../fleet/profile.ts';
import { freshSysctlScript, parseFreshSysctls, undoScript } from '../fleet/undo.ts';
import type { FloorTarget } from '../lib/floors.ts';
import { summarize, type Measurement } from '../lib/measure.ts';
import type { TargetCheck, TierOptions, TierReport } from '../lib/tier.ts';
import { describePhases, medianRun, observedArgs, phaseMeasurements, slowest, takePhases, timelineFile, type RunPhases } from '../lib/timeline.ts';
import { fmt, lowerFloor, parseAnsibleRecap, printReport, type RecapLine } from './lab.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOOR_CHILD = join(ROOT, 'bench/fleet/floor-child.ts');
const ANSIBLE_DIR = join(ROOT, 'bench/ansible');
const GNU_TIME = '/usr/bin/time';

export const DEFAULT_SIZES = [50, 100, 200] as const;
const NOOP_LIMIT = 1.5;
const RSS_LIMIT_MB = 150;
const RSS_AT = 200;

export interface ScaleTierOptions extends TierOptions {
  readonly sizes?: number[];
  /** --forks values tried at each N (no-op, `repeat` times each, interleaved); the lowest median is used. */
  readonly forks?: number[];
  /** The N at which Ansible is measured (default 50, when it is one of the sizes); false for none. */
  readonly ansibleAt?: number | false;
  /** One extra no-op per N under --cpu-prof, summarized for the engine findings (default true). */
  readonly profile?: boolean;
}

/** A TierReport, plus where lvsplay's time goes at each N (for the engine, which this tier does not change). */
export interface ScaleTierReport extends TierReport {
  readonly findings: readonly string[];
  /** Every figure at every N with its ratio to the lower floor at that N. */
  readonly ratios: readonly string[];
}

export async function runScaleTier(options: ScaleTierOptions): Promise<ScaleTierReport> {
  const repeat = Math.max(3, options.repeat);
  const sizes = options.sizes ?? [...DEFAULT_SIZES];
  const ansibleAt = options.ansibleAt === undefined ? (sizes.includes(50) ? 50 : false) : options.ansibleAt;
  const log = options.log;
  await ensureTools({ ...FLEET_TOOLS, time: 'time', ...(ansibleAt !== false && { 'ansible-playbook': 'ansible' }) }, log);
  const qemu = await pgrep('qemu-system');
  if (qemu) log(`scale tier: WARNING: QEMU VMs are running (pids ${qemu.replace(/\n/g, ' ')}): they share the 2 cores and skew every figure`);

  const measurements: Measurement[] = [];
  const targets: TargetCheck[] = [];
  const findings: string[] = [];
  const counts: Record<string, number> = {};
  const quiet = new QuietGuard(log);
  for (const n of sizes) {
    await quiet.waitQuiet(`N=${n}`);
    const at = await measureAtN(n, repeat, { forks: options.forks, ansible: ansibleAt === n, profile: options.profile ?? true }, log, quiet);
    measurements.push(...at.measurements);
    targets.push(...at.targets);
    findings.push(...at.findings);
    Object.assign(counts, at.counts);
  }
  counts['timed blocks repeated because QEMU ran during them'] = quiet.redone;
  counts['timed blocks kept although QEMU ran during them (noisy)'] = quiet.keptNoisy;
  const rssAt = Math.max(...sizes);
  if (!sizes.includes(RSS_AT)) {
    targets.push({ target: `peak RSS ≤ ${RSS_LIMIT_MB} MB at N=${RSS_AT}`, measured: `not measured: largest N in this run is ${rssAt}`, met: false, note: `run with --sizes including ${RSS_AT}` });
  }
  return {
    tier: 'scale',
    setup: [
      `systemd-nspawn containers (Debian bookworm minbase + sshd, --volatile=overlay) on a bridge inside network namespace lvsbench-${process.pid}, this machine's ${cpuCount()} cores shared by both ends;`,
      `one router + N-1 realserver-dr hosts, one LVS-DR service whose director is in the inventory but not a container (lvsplay run --role router --role realserver-dr);`,
      `lvsplay CLI (node ${process.version}) run --json as bin/lvsplay.js runs it, observed (bench/lib/observed-lvsplay.js: its stages timed from the engine's own events), timed from spawn to exit; floors: bench/lib/floors.ts, each host running lvsplay's own facts script for it;`,
      `${repeat} repetitions of every figure, side by side in one run (each repetition: undo, converge, floor a, floor b, no-op)`,
      `; every timed block waited for no QEMU to run and was repeated if QEMU ran during it (${quiet.redone} repeated, ${quiet.keptNoisy} kept despite QEMU)`,
    ].join(' '),
    measurements,
    targets,
    counts,
    findings,
    ratios: ratioLines(measurements),
  };
}

/** Each figure against the lower floor (by median) taken at the same N, by median and by min. */
export function ratioLines(measurements: readonly Measurement[]): string[] {
  const lines: string[] = [];
  for (const n of [...new Set(measurements.map((m) => m.hosts).filter((h): h is number => h !== undefined))]) {
    const atN = measurements.filter((m) => m.hosts === n);
    const floors = atN.filter((m) => m.name.startsWith('floor'));
    if (floors.length === 0) continue;
    const lower = floors.reduce((a, b) => (b.median < a.median ? b : a));
    for (const m of atN) {
      const rss = m.peakRssMb !== undefined ? `, peak RSS ${m.peakRssMb} MB` : '';
      lines.push(`N=${n} ${m.name}: ${fmt(m)} = ${(m.median / lower.median).toFixed(2)}x by median, ${(m.min / lower.min).toFixed(2)}x by min (lower floor: ${lower.name})${rss}`);
    }
  }
  return lines;
}

/**
 * The figures are wall times on 2 shared cores: a QEMU lab (another suite, another engineer) running at
 * the same time skews them. Each timed block waits until no QEMU runs, watches while it runs, and is
 * repeated (up to 3 times) if QEMU ran meanwhile; a block kept despite QEMU is counted in the report.
 */
export class QuietGuard {
  redone = 0;
  keptNoisy = 0;
  constructor(
    private readonly log: (line: string) => void,
    /** How long a block waits for QEMU to end before it runs anyway (noisy). */
    private readonly waitMs = 3 * 60 * 60_000,
  ) {}

  async run<T>(label: string, fn: () => Promise<T>, attempts = 3): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.waitQuiet(label);
      let seen = false;
      const timer = setInterval(
        () =>
          void pgrep('qemu-system').then((p) => {
            if (p) seen = true;
          }),
        2_000,
      );
      let result: T;
      try {
        result = await fn();
      } finally {
        clearInterval(timer);
      }
      if (await pgrep('qemu-system')) seen = true;
      if (!seen) return result;
      if (attempt >= attempts) {
        this.keptNoisy++;
        this.log(`${label}: QEMU ran during it again; kept (counted as noisy in the report)`);
        return result;
      }
      this.redone++;
      this.log(`${label}: QEMU ran during it: discarded, will be repeated once the machine is quiet`);
    }
  }

  async waitQuiet(label: string, timeoutMs = this.waitMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let said = false;
    for (;;) {
      const pids = await pgrep('qemu-system');
      if (!pids) return;
      if (!said) this.log(`${label}: waiting for QEMU (pids ${pids.replace(/\n/g, ' ')}) to end: the figures need the cores to themselves`);
      said = true;
      if (Date.now() > deadline) {
        this.log(`${label}: QEMU still running after ${timeoutMs / 60_000} min: going on, figures noisy`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  }
}

interface AtN {
  readonly measurements: Measurement[];
  readonly targets: TargetCheck[];
  readonly findings: string[];
  readonly counts: Record<string, number>;
}

interface ManagedHost {
  readonly fleet: FleetHost;
  readonly state: HostState;
  undo: string;
}

interface Ctx {
  readonly n: number;
  readonly fleet: Fleet;
  readonly tmp: string;
  readonly inventory: string;
  readonly knownHosts: string;
  readonly targetsFile: string;
  readonly hosts: readonly ManagedHost[];
  readonly log: (line: string) => void;
  readonly quiet: QuietGuard;
}

async function measureAtN(n: number, repeat: number, opts: { forks: number[] | undefined; ansible: boolean; profile: boolean }, log: (line: string) => void, quiet: QuietGuard): Promise<AtN> {
  log(`scale tier: N=${n}: starting ${n} containers`);
  const bootStarted = performance.now();
  const fleet = await startFleet(n, { log });
  const bootSeconds = (performance.now() - bootStarted) / 1000;
  const tmp = await mkdtemp(join(tmpdir(), `lvsbench-scale-${n}-`));
  try {
    const ctx = await prepare(n, fleet, tmp, log, quiet);
    const result = await measureLvsplay(ctx, repeat, opts);
    result.counts[`N=${n}: seconds until every container answered ssh`] = round(bootSeconds, 1);
    if (opts.ansible) result.measurements.push(...(await measureAnsible(ctx, repeat)));
    return result;
  } finally {
    await fleet.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The inventory (TypeScript, generated), the floor targets, each host's fresh sysctls and undo script. */
async function prepare(n: number, fleet: Fleet, tmp: string, log: (line: string) => void, quiet: QuietGuard): Promise<Ctx> {
  const privateKey = fleet.hosts[0]!.privateKey;
  const inventory = join(tmp, `scale-${n}.ts`);
  await writeFile(inventory, scaleInventorySource({ count: n, privateKey }));
  const model = await loadInventory(inventory);
  const selected = selectHosts(model, { roles: [...SCALE_ROLES], limits: [] });
  const layout = scaleLayout({ count: n });
  if (selected.some((s) => s.host.name === layout.director.name)) throw new Error('the director must not be selected');
  const byName = new Map(fleet.hosts.map((h) => [h.name, h]));
  const hosts: ManagedHost[] = selected.map(({ host, roles }) => {
    const container = byName.get(host.name);
    if (!container || container.address !== host.ssh.host) throw new Error(`inventory host ${host.name} (${host.ssh.host}) is not the fleet's ${container?.address ?? 'missing'}`);
    return { fleet: container, state: desiredState(model, host, roles), undo: '' };
  });
  if (hosts.length !== n) throw new Error(`the inventory selects ${hosts.length} hosts, the fleet has ${n}`);
  const targets: FloorTarget[] = hosts.map((h) => ({
    host: h.fleet.address,
    port: h.fleet.port,
    user: h.fleet.user,
    privateKey: h.fleet.privateKey,
    script: factsScript(desiredState(model, h.state.host)).script,
  }));
  const targetsFile = join(tmp, 'floor-targets.json');
  await writeFile(targetsFile, JSON.stringify(targets));
  // What a fresh host has for every sysctl lvsplay sets: the undo puts these back.
  await mapLimit(hosts, 32, async (h) => {
    const result = await fleet.exec(h.fleet, freshSysctlScript(h.state));
    const fresh = parseFreshSysctls(result.stdout);
    h.undo = undoScript(h.state, fresh);
  });
  const knownHosts = join(tmp, 'known_hosts');
  await writeFile(knownHosts, '');
  return { n, fleet, tmp, inventory, knownHosts, targetsFile, hosts, log, quiet };
}

async function measureLvsplay(ctx: Ctx, repeat: number, opts: { forks: number[] | undefined; profile: boolean }): Promise<AtN> {
  const { n, log } = ctx;
  const measurements: Measurement[] = [];
  const findings: string[] = [];
  const counts: Record<string, number> = {};

  // Untimed warm-up: records the host keys in known_hosts (every later run finds them there, as an
  // operator's second run would) and fills jiti's transpile cache; checks that every host is bare.
  const warm = await lvsplay(ctx, 'check-bare', n);
  log(`N=${n}: warm-up lvsplay --check: ${warm.run.seconds.toFixed(2)} s, every host would change`);
  const firstBoot = await lvsplay(ctx, 'converge', n);
  log(`N=${n}: first converge of the freshly booted fleet (--forks ${n}, not counted): ${firstBoot.run.seconds.toFixed(2)} s, peak RSS ${firstBoot.run.peakRssMb?.toFixed(0)} MB`);

  // --forks: lvsplay's default is 20; the floors open every connection at once. Try a few, interleaved.
  const forksValues = [...new Set((opts.forks ?? [20, 50, 100, n]).filter((f) => f >= 1 && f <= n))].sort((a, b) => a - b);
  const sweep = new Map<number, number[]>(forksValues.map((f) => [f, []]));
  for (let rep = 0; rep < repeat; rep++) {
    const roundTimes = await ctx.quiet.run(`N=${n} forks sweep #${rep + 1}`, async () => {
      const times: number[] = [];
      for (const forks of forksValues) times.push((await lvsplay(ctx, 'no-op', forks)).run.seconds);
      return times;
    });
    forksValues.forEach((forks, i) => {
      sweep.get(forks)!.push(roundTimes[i]!);
    });
  }
  const sweepSummaries = forksValues.map((f) => summarize(`lvsplay no-op --forks ${f}`, sweep.get(f)!, { hosts: n }));
  const best = sweepSummaries.reduce((a, b) => (b.median < a.median ? b : a));
  const forks = forksValues[sweepSummaries.indexOf(best)]!;
  log(`N=${n}: forks sweep (no-op medians): ${sweepSummaries.map((s, i) => `--forks ${forksValues[i]}: ${s.median.toFixed(2)} s`).join(', ')} → --forks ${forks}`);
  counts[`N=${n}: --forks used (lowest no-op median of the sweep)`] = forks;

  // The repetitions, each figure once per repetition, side by side.
  const series = {
    converge: [] as number[],
    convergeRss: [] as number[],
    a: [] as number[],
    b: [] as number[],
    bWall: [] as number[],
    bRss: [] as number[],
    noop: [] as number[],
    noopRss: [] as number[],
  };
  // Each lvsplay run's stages, as the engine told them in its own process.
  const stages = { converge: [] as RunPhases[], noop: [] as RunPhases[] };
  for (let rep = 0; rep < repeat; rep++) {
    const { converge, a, b, noop } = await ctx.quiet.run(`N=${n} #${rep + 1}`, async () => {
      const t = performance.now();
      await undoAll(ctx);
      log(`N=${n} #${rep + 1}: undo on every host (untimed): ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const converge = await lvsplay(ctx, 'converge', forks);
      const a = await floor(ctx, 'openssh');
      const b = await floor(ctx, 'node-ssh');
      const noop = await lvsplay(ctx, 'no-op', forks);
      return { converge, a, b, noop };
    });
    series.converge.push(converge.run.seconds);
    stages.converge.push(converge.phases);
    stages.noop.push(noop.phases);
    series.convergeRss.push(converge.run.peakRssMb ?? NaN);
    series.a.push(a.inner);
    series.b.push(b.inner);
    series.bWall.push(b.wall);
    series.bRss.push(b.rssMb);
    series.noop.push(noop.run.seconds);
    series.noopRss.push(noop.run.peakRssMb ?? NaN);
    const f = Math.min(a.inner, b.inner);
    log(
      `N=${n} #${rep + 1}: floor (a) OpenSSH ${a.inner.toFixed(2)} s | floor (b) node-ssh ${b.inner.toFixed(2)} s (process ${b.wall.toFixed(2)} s, ${b.rssMb.toFixed(0)} MB)` +
        ` | lvsplay converge ${converge.run.seconds.toFixed(2)} s = ${(converge.run.seconds / f).toFixed(2)}x floor, ${converge.run.peakRssMb?.toFixed(0)} MB` +
        ` | lvsplay no-op ${noop.run.seconds.toFixed(2)} s = ${(noop.run.seconds / f).toFixed(2)}x floor, ${noop.run.peakRssMb?.toFixed(0)} MB`,
    );
    log(`N=${n} #${rep + 1}: converge stages: ${describePhases(converge.phases)}`);
    log(`N=${n} #${rep + 1}: no-op stages: ${describePhases(noop.phases)}`);
  }
  const maxRss = (xs: number[]) => round(Math.max(...xs.filter((x) => !Number.isNaN(x))), 0);
  const floorA = summarize('floor: OpenSSH, facts script', series.a, {
    hosts: n,
    note: `${n} ssh processes at once (bench/lib/floors.ts), each 'sh -s' < lvsplay's facts script for its host; from the first spawn to the last exit`,
  });
  const floorB = summarize('floor: node-ssh, facts script', series.b, {
    hosts: n,
    peakRssMb: maxRss(series.bRss),
    note: `one Node process, connect + one exec of the facts script per host, all at once; from the first connect to the last result. The whole process (start-up included): ${fmtSeries(series.bWall)}`,
  });
  const floorBProcess = summarize('node-ssh floor as a process, start-up included', series.bWall, {
    hosts: n,
    peakRssMb: maxRss(series.bRss),
    note: 'the same runs as floor (b), timed from spawn to exit like lvsplay',
  });
  const converge = summarize('lvsplay first converge', series.converge, {
    hosts: n,
    peakRssMb: maxRss(series.convergeRss),
    note: `--forks ${forks}; each repetition after an undo on every host (untimed) that removes what the previous run did, derived item by item from the desired state; the converge must then report every item of every host changed, which proves each start bare. Peak RSS per repetition: ${series.convergeRss.map((x) => x.toFixed(0)).join(', ')} MB`,
  });
  const noop = summarize('lvsplay no-op', series.noop, {
    hosts: n,
    peakRssMb: maxRss(series.noopRss),
    note: `--forks ${forks}; right after the floors. Peak RSS per repetition: ${series.noopRss.map((x) => x.toFixed(0)).join(', ')} MB`,
  });
  measurements.push(floorA, floorB, floorBProcess, converge, noop);
  measurements.push(...phaseMeasurements('lvsplay first converge', stages.converge, { hosts: n }), ...phaseMeasurements('lvsplay no-op', stages.noop, { hosts: n }));
  // The sweep is exploration, not a figure of the tier: its medians and mins go to the counts.
  sweepSummaries.forEach((m, i) => {
    counts[`N=${n}: lvsplay no-op with --forks ${forksValues[i]}, median s (sweep, ${m.seconds.length} runs)`] = round(m.median);
    counts[`N=${n}: lvsplay no-op with --forks ${forksValues[i]}, min s (sweep)`] = round(m.min);
  });

  const lower = lowerFloor(floorA, floorB);
  log(`N=${n}: ${floorA.name} ${fmt(floorA)} | ${floorB.name} ${fmt(floorB)} | lower floor: ${lower.name}`);
  log(`N=${n}: ${converge.name} ${fmt(converge)} = ${(converge.median / lower.median).toFixed(2)}x the floor by median (${(converge.min / lower.min).toFixed(2)}x by min)`);
  log(
    `N=${n}: ${noop.name} ${fmt(noop)} = ${(noop.median / lower.median).toFixed(2)}x the floor by median (${(noop.min / lower.min).toFixed(2)}x by min); peak RSS ${noop.peakRssMb} MB (converge ${converge.peakRssMb} MB)`,
  );

  // Where lvsplay's time goes: the no-op's stages as the engine told them (above), beside start-up alone,
  // everything before SSH alone, and one profiled no-op.
  const help = await repeatRuns(repeat, () => ctx.quiet.run(`N=${n} lvsplay --help`, async () => (await observedLvsplay(ctx, ['--help'])).run));
  const renderOut = join(ctx.tmp, 'render');
  const render = await repeatRuns(repeat, () =>
    ctx.quiet.run(`N=${n} lvsplay render`, async () => {
      await rm(renderOut, { recursive: true, force: true });
      const { run: r } = await observedLvsplay(ctx, ['render', ctx.inventory, '--out', renderOut, '--role', 'router', '--role', 'realserver-dr']);
      if (r.code !== 0) throw new Error(`lvsplay render exited ${r.code}: ${r.stderr}`);
      return r;
    }),
  );
  const helpM = summarize(
    'lvsplay --help (start-up only)',
    help.map((r) => r.seconds),
    { hosts: n, peakRssMb: round(Math.max(...help.map((r) => r.peakRssMb ?? 0)), 0) },
  );
  const renderM = summarize(
    'lvsplay render (start-up + inventory + roles + templates, no SSH)',
    render.map((r) => r.seconds),
    { hosts: n, peakRssMb: round(Math.max(...render.map((r) => r.peakRssMb ?? 0)), 0) },
  );
  measurements.push(helpM, renderM);
  let profile: ProfileSummary | undefined;
  if (opts.profile) {
    const dir = join(ctx.tmp, 'cpuprof');
    await mkdir(dir, { recursive: true });
    const r = await ctx.quiet.run(`N=${n} profiled no-op`, async () => {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      return lvsplay(ctx, 'no-op', forks, [`--cpu-prof`, `--cpu-prof-dir=${dir}`]);
    });
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      profile = summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile);
      log(
        `N=${n}: profiled no-op ${r.run.seconds.toFixed(2)} s: profile covers ${profile.totalMs} ms, JS thread busy ${profile.busyMs} ms; first connect at ${profile.firstConnectMs} ms (busy ${profile.busyBeforeConnectMs} ms before it)`,
      );
      log(`N=${n}: self time by part: ${profile.byPart.map((p) => `${p.part} ${p.ms} ms`).join(', ')}`);
      log(
        `N=${n}: top functions: ${profile.topFunctions
          .slice(0, 8)
          .map((f) => `${f.fn} ${f.ms} ms`)
          .join('; ')}`,
      );
    }
  }
  const ratio = noop.median / lower.median;
  const median = medianRun(stages.noop);
  findings.push(
    `N=${n}: lvsplay no-op ${noop.median.toFixed(2)} s (median) vs the floor's ${lower.median.toFixed(2)} s (${lower.name}); --forks ${forks}. ` +
      `Stage by stage, as the engine told it (median repetition): ${describePhases(median)}; its facts stage is ${signed(median.factsStage - lower.median)} s from the floor ` +
      `(slowest host: connect ${(slowest(median, 'connect') ?? 0).toFixed(2)} s, facts round trip ${(slowest(median, 'factsRoundTrip') ?? 0).toFixed(2)} s). ` +
      `Start-up alone: lvsplay --help ${helpM.median.toFixed(2)} s (node + jiti + CLI), lvsplay render ${renderM.median.toFixed(2)} s (+ inventory, roles, templates)` +
      (profile
        ? `. Profiled no-op: JS thread busy ${(profile.busyMs / 1000).toFixed(2)} s of ${(profile.totalMs / 1000).toFixed(2)} s; first SSH connect at ${((profile.firstConnectMs ?? 0) / 1000).toFixed(2)} s; self time: ${profile.byPart
            .filter((p) => p.part !== 'idle')
            .slice(0, 8)
            .map((p) => `${p.part} ${(p.ms / 1000).toFixed(2)} s`)
            .join(', ')}; top: ${profile.topFunctions
            .slice(0, 5)
            .map((f) => `${f.fn} ${(f.ms / 1000).toFixed(2)} s`)
            .join('; ')}`
        : ''),
  );
  const targets: TargetCheck[] = [
    {
      target: `no-op ≤ ${NOOP_LIMIT}x the floor at N=${n}`,
      measured: `${noop.name} ${fmt(noop)} / ${lower.name} ${fmt(lower)} = ${ratio.toFixed(2)}x by median (${(noop.min / lower.min).toFixed(2)}x by min)`,
      met: ratio <= NOOP_LIMIT,
      ...(ratio > NOOP_LIMIT && { note: `over by ${(noop.median - NOOP_LIMIT * lower.median).toFixed(2)} s; ${findings[findings.length - 1]}` }),
    },
  ];
  if (n === RSS_AT) {
    const peak = Math.max(noop.peakRssMb ?? 0, converge.peakRssMb ?? 0);
    targets.push({
      target: `peak RSS ≤ ${RSS_LIMIT_MB} MB at N=${RSS_AT}`,
      measured: `lvsplay's largest peak RSS over its converge and no-op runs at N=${n}: ${peak} MB (no-op ${noop.peakRssMb} MB, converge ${converge.peakRssMb} MB; floor (b) ${floorB.peakRssMb} MB; --help alone ${helpM.peakRssMb} MB)`,
      met: peak <= RSS_LIMIT_MB,
      ...(peak > RSS_LIMIT_MB && { note: `over by ${peak - RSS_LIMIT_MB} MB` }),
    });
  }
  return { measurements, targets, findings, counts };
}

// ---------------------------------------------------------------------------------------------------------
// lvsplay, the floors, the undo.
// ---------------------------------------------------------------------------------------------------------

export interface ProcRun {
  readonly seconds: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly peakRssMb?: number;
}

let outputSeq = 0;

/**
 * `argv` inside the fleet's namespace under GNU time, timed from spawn to exit. Its stdout and stderr go to
 * files, as `lvsplay run --json > report.json` would: Node writes to a pipe synchronously on Linux, so a
 * pipe would let the harness's own scheduling (as a reader) into the time measured; a file never blocks.
 */
export async function timedInNetns(netns: string, argv: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = 30 * 60_000): Promise<ProcRun> {
  const base = join(tmpdir(), `lvsbench-run-${process.pid}-${++outputSeq}`);
  const [outFile, errFile, rssFile] = [`${base}.out`, `${base}.err`, `${base}.rss`];
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  try {
    const started = performance.now();
    const child = spawn('ip', ['netns', 'exec', netns, GNU_TIME, '-o', rssFile, '-f', '%M', ...argv], { cwd: ROOT, env: env ?? process.env, stdio: ['ignore', out, err] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number>((resolve) => {
      child.once('error', () => resolve(127));
      child.once('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    const seconds = (performance.now() - started) / 1000;
    clearTimeout(timer);
    const rss = /^(\d+)\s*$/m.exec(readQuiet(rssFile));
    return { seconds, code, stdout: readQuiet(outFile), stderr: readQuiet(errFile), ...(rss && { peakRssMb: Number(rss[1]) / 1024 }) };
  } finally {
    closeSync(out);
    closeSync(err);
    for (const f of [outFile, errFile, rssFile]) rmSync(f, { force: true });
  }
}

function readQuiet(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface JsonItem {
  item: string;
  status: string;
  reason: string;
}
export interface JsonHost {
  host: string;
  status: string;
  error?: string;
  tally: { ok: number; changed: number; failed: number; notRun: number };
  items: JsonItem[];
}

/** `bare`: --check on bare hosts, every item would change; `clean`: --check, every item ok. */
export type LvsplayKind = 'check-bare' | 'check-clean' | 'converge' | 'no-op';

/**
 * `lvsplay ARGS` inside the fleet's namespace, as bin/lvsplay.js runs it, observed (bench/lib/timeline.ts):
 * its stages, when it reached any.
 */
async function observedLvsplay(ctx: Pick<Ctx, 'fleet'>, args: readonly string[], nodeOptions: readonly string[] = []): Promise<{ run: ProcRun; phases?: RunPhases }> {
  const timeline = timelineFile();
  const run = await timedInNetns(ctx.fleet.netns, [process.execPath, ...nodeOptions, ...observedArgs(timeline, args)]);
  const phases = takePhases(timeline, run.seconds);
  return { run, ...(phases && { phases }) };
}

/** What one `lvsplay run` of a scale inventory needs; `sshConfig` is given as `--ssh-config` when set. */
export type LvsplayCtx = Pick<Ctx, 'n' | 'fleet' | 'inventory' | 'knownHosts'> & { readonly sshConfig?: string };

/** One `lvsplay run` of the scale inventory; throws unless it did exactly what `kind` says on every host. */
export async function lvsplay(ctx: LvsplayCtx, kind: LvsplayKind, forks: number, nodeOptions: readonly string[] = []): Promise<{ run: ProcRun; hosts: JsonHost[]; phases: RunPhases }> {
  const args = [
    'run',
    ctx.inventory,
    ...SCALE_ROLES.flatMap((r) => ['--role', r]),
    '--json',
    '--known-hosts',
    ctx.knownHosts,
    '--accept-new-host-keys',
    '--forks',
    String(forks),
    ...(ctx.sshConfig !== undefined ? ['--ssh-config', ctx.sshConfig] : []),
    ...(kind.startsWith('check') ? ['--check'] : []),
  ];
  const { run, phases } = await observedLvsplay(ctx, args, nodeOptions);
  let hosts: JsonHost[];
  try {
    hosts = (JSON.parse(run.stdout) as { hosts: JsonHost[] }).hosts;
  } catch {
    throw new Error(`N=${ctx.n} lvsplay ${kind}: no JSON report (exit ${run.code}):\n${run.stdout.slice(0, 3000)}\n${run.stderr.slice(-3000)}`);
  }
  const wanted = kind === 'no-op' || kind === 'check-clean' ? 'ok' : kind === 'converge' ? 'changed' : 'would change';
  const wrong = hosts.flatMap((h) => {
    if (h.error) return [`${h.host}: ${h.status}: ${h.error}`];
    const items = h.items.filter((i) => i.status !== wanted);
    return items.length > 0 || h.status !== (wanted === 'ok' ? 'ok' : 'changed') ? [`${h.host}: ${h.status}: ${items.map((i) => `${i.item} ${i.status} (${i.reason})`).join('; ')}`] : [];
  });
  if (run.code !== 0 || hosts.length !== ctx.n || wrong.length > 0) {
    throw new Error(
      `N=${ctx.n} lvsplay ${kind}: exit ${run.code}, ${hosts.length} hosts in the report, every item should be '${wanted}'; ${wrong.length} hosts differ:\n${wrong.slice(0, 10).join('\n')}\n${run.stderr.slice(-2000)}`,
    );
  }
  if (!phases) throw new Error(`N=${ctx.n} lvsplay ${kind}: it reported its hosts but its timeline told no stage`);
  return { run, hosts, phases };
}

async function floor(ctx: Ctx, kind: 'openssh' | 'node-ssh'): Promise<{ inner: number; wall: number; rssMb: number }> {
  const run = await timedInNetns(ctx.fleet.netns, [process.execPath, '--import', 'jiti/register', FLOOR_CHILD, kind, ctx.targetsFile]);
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.code !== 0 || !line.startsWith('{')) throw new Error(`N=${ctx.n} floor ${kind} failed (exit ${run.code}): ${run.stderr.slice(-3000)}`);
  return { inner: (JSON.parse(line) as { seconds: number }).seconds, wall: run.seconds, rssMb: run.peakRssMb ?? NaN };
}

/** Every host back to its booted state (see bench/fleet/undo.ts), in parallel over the fleet's agent. */
async function undoAll(ctx: Ctx): Promise<void> {
  const failures: string[] = [];
  await mapLimit(ctx.hosts, 32, async (h) => {
    const result = await ctx.fleet.exec(h.fleet, h.undo, { timeoutMs: 120_000 });
    if (result.code !== 0) failures.push(`${h.fleet.name}: exit ${result.code}: ${result.stderr.trim()}`);
  });
  if (failures.length > 0) throw new Error(`N=${ctx.n}: undo failed on ${failures.length} hosts:\n${failures.slice(0, 10).join('\n')}`);
}

async function repeatRuns(repeat: number, fn: () => Promise<ProcRun>): Promise<ProcRun[]> {
  const runs: ProcRun[] = [];
  for (let i = 0; i < repeat; i++) runs.push(await fn());
  return runs;
}

// ---------------------------------------------------------------------------------------------------------
// Ansible: bench/ansible/site.yml (the same files, sysctls, VIP and units as lvsplay's roles) on the fleet.
// ---------------------------------------------------------------------------------------------------------

/** Ansible's inventory for the fleet: the router and real servers groups of bench/ansible/site.yml. */
export function ansibleFleetInventory(hosts: readonly { name: string; address: string; roles: readonly string[]; privateKey: string }[]): string {
  const groups: Record<string, string> = { router: 'routers', 'realserver-dr': 'realservers_dr' };
  const lines = ['all:', '  vars:', '    ansible_user: root', '  children:'];
  for (const [role, group] of Object.entries(groups)) {
    const members = hosts.filter((h) => h.roles.includes(role));
    if (members.length === 0) continue;
    lines.push(`    ${group}:`, '      hosts:');
    for (const h of members) lines.push(`        ${h.name}: { ansible_host: ${JSON.stringify(h.address)}, ansible_ssh_private_key_file: ${JSON.stringify(h.privateKey)} }`);
  }
  return `${lines.join('\n')}\n`;
}

async function measureAnsible(ctx: Ctx, repeat: number): Promise<Measurement[]> {
  const { n, log } = ctx;
  const model = await loadInventory(ctx.inventory);
  const service = model.services[0]!;
  const vars = {
    lvs_services: [
      {
        protocol: service.protocol,
        vip: service.vip,
        port: service.port,
        scheduler: service.scheduler,
        director: service.directors[0],
        real_servers: service.realServers.map((rs) => ({ host: rs.host, address: rs.address, port: rs.port, weight: rs.weight })),
      },
    ],
  };
  const varsFile = join(ctx.tmp, 'ansible-vars.json');
  await writeFile(varsFile, JSON.stringify(vars));
  const inventoryFile = join(ctx.tmp, 'ansible-hosts.yml');
  await writeFile(inventoryFile, ansibleFleetInventory(ctx.hosts.map((h) => ({ name: h.fleet.name, address: h.fleet.address, roles: h.state.roles, privateKey: h.fleet.privateKey }))));
  const names = ctx.hosts.map((h) => h.fleet.name);

  const playbook = async (config: 'defaults' | 'tuned', what: string, wantChanged: boolean): Promise<number> => {
    const env = {
      ...process.env,
      ANSIBLE_CONFIG: join(ANSIBLE_DIR, `${config}.cfg`),
      ANSIBLE_SSH_CONTROL_PATH_DIR: join(ctx.tmp, `cp-${config}`),
      ANSIBLE_LOCAL_TEMP: join(ctx.tmp, `ansible-local-${config}`),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORCE_COLOR: '0',
    };
    // Tuned: forks at least the host count, as the brief asks; defaults: Ansible's own 5.
    const args = ['ansible-playbook', '-i', inventoryFile, '-e', `@${varsFile}`, ...(config === 'tuned' ? ['--forks', String(n)] : []), join(ANSIBLE_DIR, 'site.yml')];
    const run = await timedInNetns(ctx.fleet.netns, args, env);
    const recap = parseAnsibleRecap(run.stdout);
    const bad = names.filter((h) => {
      const r = recap.get(h);
      return !r || r.failed > 0 || r.unreachable > 0;
    });
    const changed = [...recap.values()].reduce((sum: number, r: RecapLine) => sum + r.changed, 0);
    if (run.code !== 0 || bad.length > 0 || (wantChanged ? changed === 0 : changed !== 0)) {
      throw new Error(
        `N=${n} ${what}: ansible-playbook exited ${run.code}, changed=${changed}${bad.length ? `, failing or missing ${bad.slice(0, 10).join(', ')}` : ''}:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`,
      );
    }
    log(`N=${n} ${what}: ${run.seconds.toFixed(2)} s (changed=${changed})`);
    return run.seconds;
  };

  try {
    const first = await ctx.quiet.run(`N=${n} ansible first converge`, async () => {
      await endControlMasters(ctx);
      await undoAll(ctx);
      return playbook('defaults', 'ansible-playbook defaults, first converge', true);
    });
    // The playbook is equivalent: lvsplay finds nothing to change after it.
    await lvsplay(ctx, 'check-clean', n);
    log(`N=${n}: lvsplay --check after Ansible's converge: every item of every host ok`);
    const defaults: number[] = [];
    for (let i = 0; i < repeat; i++) defaults.push(await ctx.quiet.run(`N=${n} ansible defaults no-op #${i + 1}`, () => playbook('defaults', `ansible-playbook defaults, no-op #${i + 1}`, false)));
    const cold = await ctx.quiet.run(`N=${n} ansible tuned cold no-op`, async () => {
      await endControlMasters(ctx);
      return playbook('tuned', 'ansible-playbook tuned, no-op, no ControlPersist master yet', false);
    });
    const tuned: number[] = [];
    for (let i = 0; i < repeat; i++) tuned.push(await ctx.quiet.run(`N=${n} ansible tuned no-op #${i + 1}`, () => playbook('tuned', `ansible-playbook tuned, no-op #${i + 1}`, false)));
    return [
      summarize('ansible-playbook defaults, first run', [first], {
        hosts: n,
        note: 'once, from bare hosts (the same undo as lvsplay); followed by an lvsplay no-op that must find nothing to change (the playbook is equivalent)',
      }),
      summarize('ansible-playbook defaults, no-op', defaults, { hosts: n, note: 'bench/ansible/defaults.cfg: fact gathering, no pipelining, forks 5, ControlPersist 60 s' }),
      summarize('ansible-playbook tuned, no-op, no ControlPersist master yet', [cold], { hosts: n }),
      summarize('ansible-playbook tuned, no-op', tuned, {
        hosts: n,
        note: `bench/ansible/tuned.cfg + --forks ${n}: no fact gathering, pipelining, ControlPersist 600 s masters warm from the previous run (Ansible's best case)`,
      }),
    ];
  } finally {
    await endControlMasters(ctx);
  }
}

async function endControlMasters(ctx: Ctx): Promise<void> {
  for (const config of ['defaults', 'tuned']) {
    const dir = join(ctx.tmp, `cp-${config}`);
    let sockets: string[] = [];
    try {
      sockets = readdirSync(dir);
    } catch {
      continue;
    }
    for (const socket of sockets) await timedInNetns(ctx.fleet.netns, ['ssh', '-o', `ControlPath=${join(dir, socket)}`, '-O', 'exit', 'bench-control-master'], undefined, 10_000);
  }
}

// ---------------------------------------------------------------------------------------------------------

function fmtSeries(xs: readonly number[]): string {
  const m = summarize('', xs);
  return `min ${m.min.toFixed(2)} s, median ${m.median.toFixed(2)} s`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function cpuCount(): number {
  return readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('processor')).length;
}

/**
 * Processes whose command line starts with `name` (or a path ending in it): a real QEMU, not another
 * tool's `pgrep -f qemu-system` (which a bare `-f name` matches, and which other benches run in loops).
 */
export function pgrep(name: string): Promise<string> {
  return new Promise((resolve) => execFile('pgrep', ['-f', `^([^ ]*/)?${name}`], (_e, stdout) => resolve(stdout.trim())));
}

// ---------------------------------------------------------------------------------------------------------
// Alone.
// ---------------------------------------------------------------------------------------------------------

export function scaleArgs(argv: readonly string[]): ScaleTierOptions & { json?: string } {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (flag: string) =>
    at(flag)
      ?.split(',')
      .map((x) => Number(x.trim()));
  const repeat = Number(at('--repeat') ?? 3);
  if (!Number.isInteger(repeat) || repeat < 3) throw new Error('--repeat must be a whole number ≥ 3');
  const sizes = list('--sizes');
  const forks = list('--forks');
  for (const x of [...(sizes ?? []), ...(forks ?? [])]) if (!Number.isInteger(x) || x < 1) throw new Error(`--sizes and --forks take whole numbers ≥ 1, got ${x}`);
  const ansible = at('--ansible-at');
  const json = at('--json');
  return {
    repeat,
    log: (line) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`),
    ...(sizes && { sizes }),
    ...(forks && { forks }),
    ...(ansible !== undefined && { ansibleAt: ansible === 'none' ? false : Number(ansible) }),
    ...(argv.includes('--no-profile') && { profile: false }),
    ...(json && { json }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = scaleArgs(process.argv.slice(2));
  const report = await runScaleTier(options);
  printReport(report, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`\nRatios to the lower floor at each N:\n${report.ratios.map((l) => `- ${l}`).join('\n')}\n`);
  process.stdout.write(`\nWhere lvsplay's time goes:\n${report.findings.map((f) => `- ${f}`).join('\n')}\n`);
  if (options.json) await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
}
