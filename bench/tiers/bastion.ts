// Bastion tier of `npm run bench` (issue 13): lvsplay's no-op of the scale inventory at N = 100, direct
// and with every host behind one bastion (`defaults.ssh.proxyJump`), side by side in one run: the two
// alternate within each repetition (which goes first alternates too) and each is reported as min and
// median. The fleet has N + 1 containers; the last is the bastion only, never a managed host. Then one
// untimed no-op of each kind with `ss` sampling the fleet's namespace proves what was multiplexed: during
// the bastion run, one SSH connection, to the bastion, and none to any host directly.
//
// Alone (root): node --import jiti/register bench/tiers/bastion.ts [--repeat 5] [--hosts 100] [--forks N] [--json FILE]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadInventory } from '../../src/inventory/load.ts';
import { selectHosts } from '../../src/select.ts';
import { bastionSshConfig, countSshConnections, SAMPLE_END, type SshConnections } from '../fleet/bastion.ts';
import { ensureTools, FLEET_TOOLS } from '../fleet/deps.ts';
import { startFleet, type Fleet, type FleetHost } from '../fleet/index.ts';
import { scaleInventorySource, SCALE_ROLES } from '../fleet/inventory.ts';
import { killGroup, onCleanup } from '../fleet/proc.ts';
import { summarize, type Measurement } from '../lib/measure.ts';
import type { TargetCheck, TierOptions, TierReport } from '../lib/tier.ts';
import { describePhases, phaseMeasurements, type RunPhases } from '../lib/timeline.ts';
import { fmt, printReport } from './lab.ts';
import { cpuCount, lvsplay, pgrep, QuietGuard, type LvsplayCtx } from './scale.ts';

const DEFAULT_HOSTS = 100;
const BASTION_ALIAS = 'lvsbench-bastion';
/** A lab run elsewhere on the machine is waited for this long per timed block, then the block runs noisy. */
const QUIET_WAIT_MS = 10 * 60_000;

export interface BastionTierOptions extends TierOptions {
  /** Managed hosts (the bastion is one more container). */
  readonly hosts?: number;
  /** lvsplay's --forks for both runs; default the host count (the scale tier's sweep chose it at N = 100). */
  readonly forks?: number;
}

type Mode = 'direct' | 'bastion';

export async function runBastionTier(options: BastionTierOptions): Promise<TierReport> {
  const repeat = Math.max(3, options.repeat);
  const n = options.hosts ?? DEFAULT_HOSTS;
  const forks = options.forks ?? n;
  const log = options.log;
  await ensureTools({ ...FLEET_TOOLS, time: 'time' }, log);
  const qemu = await pgrep('qemu-system');
  if (qemu) log(`bastion tier: WARNING: QEMU VMs are running (pids ${qemu.replace(/\n/g, ' ')}): they share the 2 cores and skew every figure`);
  const quiet = new QuietGuard(log, QUIET_WAIT_MS);

  log(`bastion tier: starting ${n + 1} containers (${n} hosts and a bastion)`);
  const bootStarted = performance.now();
  const fleet = await startFleet(n + 1, { log });
  const bootSeconds = (performance.now() - bootStarted) / 1000;
  const tmp = await mkdtemp(join(tmpdir(), `lvsbench-bastion-${n}-`));
  // Registered as the fleet's own steps are, so a signal that ends the run removes it too.
  const removeTmp = onCleanup({ label: `rm -r ${tmp}`, run: () => rm(tmp, { recursive: true, force: true }), runSync: () => rmSync(tmp, { recursive: true, force: true }) });
  try {
    const bastion = fleet.hosts[n]!;
    const ctx = await prepare(n, fleet, bastion, tmp);
    const { measurements, counts } = await measure(ctx, bastion, { repeat, forks, log, quiet });
    counts['seconds until every container answered ssh'] = round(bootSeconds, 1);
    counts['timed blocks repeated because QEMU ran during them'] = quiet.redone;
    counts['timed blocks kept although QEMU ran during them (noisy)'] = quiet.keptNoisy;
    const sampled = counts['SSH connections to the bastion during the sampled bastion no-op'];
    const direct = counts['SSH connections to a host directly during the sampled bastion no-op'];
    const targets: TargetCheck[] = [
      {
        target: `one SSH connection to the bastion carries all ${n} hosts (issue 13)`,
        measured: `${sampled} connection(s) to the bastion and ${direct} to a host directly, seen by ss in ${counts['ss samples during the sampled bastion no-op']} samples; sshd on the bastion logged ${counts['logins sshd on the bastion accepted during the sampled bastion no-op']} login(s)`,
        met: sampled === 1 && direct === 0,
      },
    ];
    return {
      tier: 'bastion',
      setup: [
        `${n} systemd-nspawn containers + 1 more as the bastion (the fleet of the scale tier, network namespace lvsbench-${process.pid}), this machine's ${cpuCount()} cores shared by both ends;`,
        `the scale tier's inventory (one router + ${n - 1} realserver-dr hosts), converged once, then run as a no-op (lvsplay run --role router --role realserver-dr --forks ${forks}) from inside the namespace,`,
        `direct, and through the bastion: the same inventory with defaults.ssh.proxyJump '${BASTION_ALIAS}', named in the --ssh-config file given to both runs (HostName ${bastion.address}, User root, the fleet's key);`,
        `${repeat} repetitions, each one run of both, alternating which goes first; host keys: one --known-hosts file, filled by an untimed warm-up of each with --accept-new-host-keys (the fleet's containers share one host key).`,
        "Then one untimed no-op of each with `ss -Htn state established` sampled every 50 ms in the namespace, and sshd's log on the bastion, to count the connections.",
      ].join(' '),
      measurements,
      targets,
      counts,
    };
  } finally {
    await fleet.stop();
    await removeTmp();
  }
}

interface Ctx {
  readonly direct: LvsplayCtx;
  readonly bastion: LvsplayCtx;
}

/** Two inventories (direct, behind the bastion), the ssh config naming the bastion, an empty known_hosts. */
async function prepare(n: number, fleet: Fleet, bastion: FleetHost, tmp: string): Promise<Ctx> {
  const privateKey = bastion.privateKey;
  const sshConfig = join(tmp, 'ssh_config');
  await writeFile(sshConfig, bastionSshConfig({ alias: BASTION_ALIAS, address: bastion.address, user: bastion.user, privateKey }));
  const knownHosts = join(tmp, 'known_hosts');
  await writeFile(knownHosts, '');
  const direct = join(tmp, `scale-${n}.ts`);
  const behind = join(tmp, `scale-${n}-behind-bastion.ts`);
  await writeFile(direct, scaleInventorySource({ count: n, privateKey }));
  await writeFile(behind, scaleInventorySource({ count: n, privateKey, proxyJump: BASTION_ALIAS }));
  // The inventory's hosts are the fleet's first n containers; the bastion is none of them.
  const model = await loadInventory(behind);
  const selected = selectHosts(model, { roles: [...SCALE_ROLES], limits: [] });
  const expected = fleet.hosts.slice(0, n).map((h) => `${h.name} ${h.address}`);
  const got = selected.map((s) => `${s.host.name} ${s.host.ssh.host}`);
  if (got.join('\n') !== expected.join('\n')) throw new Error(`the inventory's hosts are not the fleet's first ${n}: ${got.slice(0, 3).join(', ')}…`);
  if (selected.some((s) => s.host.ssh.host === bastion.address)) throw new Error(`the bastion ${bastion.address} is also a managed host`);
  const common = { n, fleet, knownHosts, sshConfig };
  return { direct: { ...common, inventory: direct }, bastion: { ...common, inventory: behind } };
}

async function measure(
  ctx: Ctx,
  bastion: FleetHost,
  o: { repeat: number; forks: number; log: (line: string) => void; quiet: QuietGuard },
): Promise<{ measurements: Measurement[]; counts: Record<string, number> }> {
  const { repeat, forks, log } = o;
  const n = ctx.direct.n;
  // Untimed: the first converge (every item changed, which proves the hosts bare), then a no-op of each
  // kind that records the host keys (the bastion's too) and fills jiti's transpile cache.
  const converge = await lvsplay(ctx.direct, 'converge', forks);
  log(`bastion tier: first converge, direct (not counted): ${converge.run.seconds.toFixed(2)} s`);
  for (const mode of ['direct', 'bastion'] as const) {
    const warm = await lvsplay(ctx[mode], 'no-op', forks);
    log(`bastion tier: warm-up no-op, ${mode} (not counted): ${warm.run.seconds.toFixed(2)} s`);
  }

  const seconds: Record<Mode, number[]> = { direct: [], bastion: [] };
  const rss: Record<Mode, number[]> = { direct: [], bastion: [] };
  const stages: Record<Mode, RunPhases[]> = { direct: [], bastion: [] };
  // Other work on the machine (not only QEMU, which the guard waits for) slows both runs of a repetition
  // alike but not every repetition alike: the load is recorded, so the report says how quiet it was.
  const loads: number[] = [];
  for (let rep = 0; rep < repeat; rep++) {
    loads.push(loadavg()[0]!);
    const order: Mode[] = rep % 2 === 0 ? ['direct', 'bastion'] : ['bastion', 'direct'];
    const runs = await o.quiet.run(`bastion tier #${rep + 1}`, async () => {
      const done: Partial<Record<Mode, Awaited<ReturnType<typeof lvsplay>>>> = {};
      for (const mode of order) done[mode] = await lvsplay(ctx[mode], 'no-op', forks);
      return done as Record<Mode, Awaited<ReturnType<typeof lvsplay>>>;
    });
    for (const mode of order) {
      seconds[mode].push(runs[mode].run.seconds);
      rss[mode].push(runs[mode].run.peakRssMb ?? NaN);
      stages[mode].push(runs[mode].phases);
    }
    log(
      `bastion tier #${rep + 1} (${order.join(' then ')}, load average ${loads[rep]!.toFixed(1)} before): direct ${runs.direct.run.seconds.toFixed(2)} s | through the bastion ${runs.bastion.run.seconds.toFixed(2)} s = ${(runs.bastion.run.seconds / runs.direct.run.seconds).toFixed(2)}x`,
    );
    for (const mode of order) log(`bastion tier #${rep + 1}: ${mode} stages: ${describePhases(runs[mode].phases)}`);
  }

  const directM = summarize('lvsplay no-op, direct', seconds.direct, { hosts: n, peakRssMb: maxRss(rss.direct), note: `--forks ${forks}` });
  const byMedian = seconds.bastion.length > 0 ? summarize('', seconds.bastion).median / directM.median : NaN;
  const bastionM = summarize('lvsplay no-op through one bastion', seconds.bastion, {
    hosts: n,
    peakRssMb: maxRss(rss.bastion),
    note: `--forks ${forks}, defaults.ssh.proxyJump; ${byMedian.toFixed(2)}x the direct no-op by median`,
  });
  const byMin = bastionM.min / directM.min;
  // Both runs of a repetition share the machine's load of the moment: their ratio, repetition by
  // repetition, is the figure least moved by other work on the 2 cores.
  const paired = summarize(
    '',
    seconds.bastion.map((s, i) => s / seconds.direct[i]!),
  ).median;
  log(
    `bastion tier: ${directM.name} ${fmt(directM)} | ${bastionM.name} ${fmt(bastionM)} = ${byMedian.toFixed(2)}x by median (${byMin.toFixed(2)}x by min, ${paired.toFixed(2)}x the median of the repetitions' ratios)`,
  );

  const counts: Record<string, number> = {
    'no-op through one bastion ÷ direct, by median': round(byMedian),
    'no-op through one bastion ÷ direct, by min': round(byMin),
    'no-op through one bastion ÷ direct in the same repetition, median of the repetitions': round(paired),
    'load average (1 min, the whole machine, this run included) before a repetition, lowest': round(Math.min(...loads), 1),
    'load average (1 min, the whole machine, this run included) before a repetition, highest': round(Math.max(...loads), 1),
  };
  for (const mode of ['direct', 'bastion'] as const) {
    const seen = await sampledNoop(ctx[mode], bastion, forks, log);
    counts[`SSH connections to the bastion during the sampled ${mode} no-op`] = seen.connections.toBastion.size;
    counts[`SSH connections to a host directly during the sampled ${mode} no-op`] = seen.connections.toOthers.size;
    counts[`most SSH connections to the bastion at once during the sampled ${mode} no-op`] = seen.connections.mostAtOnceToBastion;
    counts[`ss samples during the sampled ${mode} no-op`] = seen.connections.samples;
    counts[`logins sshd on the bastion accepted during the sampled ${mode} no-op`] = seen.bastionLogins;
    log(
      `bastion tier: sampled ${mode} no-op ${seen.seconds.toFixed(2)} s: ${seen.connections.toBastion.size} connection(s) to the bastion (at most ${seen.connections.mostAtOnceToBastion} at once), ${seen.connections.toOthers.size} to hosts directly, in ${seen.connections.samples} samples; sshd on the bastion accepted ${seen.bastionLogins} login(s)`,
    );
  }
  return {
    measurements: [directM, bastionM, ...phaseMeasurements(directM.name, stages.direct, { hosts: n }), ...phaseMeasurements(bastionM.name, stages.bastion, { hosts: n })],
    counts,
  };
}

/**
 * One untimed no-op with `ss` sampling the namespace's established connections every 50 ms, and the
 * logins sshd on the bastion accepted meanwhile (read before and after; the reading itself is one login).
 */
async function sampledNoop(ctx: LvsplayCtx, bastion: FleetHost, forks: number, log: (line: string) => void): Promise<{ seconds: number; connections: SshConnections; bastionLogins: number }> {
  const before = await acceptedLogins(ctx.fleet, bastion);
  const sampler = spawn('ip', ['netns', 'exec', ctx.fleet.netns, 'sh', '-c', `while :; do ss -Htn state established; echo ${SAMPLE_END}; sleep 0.05; done`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const stopSampler = onCleanup({
    label: `stop the ss sampler (pid ${sampler.pid})`,
    run: async () => killGroup(sampler, 'SIGKILL'),
    runSync: () => killGroup(sampler, 'SIGKILL'),
  });
  let output = '';
  sampler.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  let seconds: number;
  try {
    // The sampler's first sample is taken before lvsplay starts: every connection it opens is seen.
    await waitFor(() => output.includes(SAMPLE_END), 5_000, 'the ss sampler printed nothing');
    seconds = (await lvsplay(ctx, 'no-op', forks)).run.seconds;
    const taken = output.split(SAMPLE_END).length;
    await waitFor(() => output.split(SAMPLE_END).length > taken, 5_000, 'the ss sampler stopped');
  } finally {
    await stopSampler();
  }
  const after = await acceptedLogins(ctx.fleet, bastion);
  if (before === undefined || after === undefined) log("bastion tier: could not read sshd's log on the bastion: its logins are not counted");
  return { seconds, connections: countSshConnections(output, bastion.address), bastionLogins: before === undefined || after === undefined ? -1 : after - before - 1 };
}

/** Logins sshd on the bastion has accepted since it booted (this reading's own included). */
async function acceptedLogins(fleet: Fleet, bastion: FleetHost): Promise<number | undefined> {
  const result = await fleet.exec(bastion, "journalctl --no-pager -o cat _COMM=sshd | grep -c '^Accepted publickey for '");
  const count = Number(result.stdout.trim());
  return Number.isInteger(count) && result.stdout.trim() !== '' ? count : undefined;
}

async function waitFor(done: () => boolean, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`bastion tier: ${failure} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function maxRss(xs: readonly number[]): number {
  return round(Math.max(...xs.filter((x) => !Number.isNaN(x))), 0);
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ---------------------------------------------------------------------------------------------------------
// Alone.
// ---------------------------------------------------------------------------------------------------------

export function bastionArgs(argv: readonly string[]): BastionTierOptions & { json?: string } {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const whole = (flag: string, least: number): number | undefined => {
    const text = at(flag);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < least) throw new Error(`${flag} must be a whole number ≥ ${least}, got '${text}'`);
    return value;
  };
  const hosts = whole('--hosts', 2);
  const forks = whole('--forks', 1);
  const json = at('--json');
  return {
    repeat: whole('--repeat', 3) ?? 3,
    log: (line) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`),
    ...(hosts !== undefined && { hosts }),
    ...(forks !== undefined && { forks }),
    ...(json !== undefined && { json }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = bastionArgs(process.argv.slice(2));
  const report = await runBastionTier(options);
  printReport(report, (line) => process.stdout.write(`${line}\n`));
  if (options.json) await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
}
