// Director tier of `npm run bench`: one lab director (the dr lab's lvs) with 2,000 LVS-DR services × 10 real
// servers, from an inventory generated in TypeScript (a loop in a .ts inventory file). lvsplay's first
// converge, no-op and a 1% change, beside the floor (`ipvsadm-save -n` plus the exact delta piped to
// `ipvsadm -R` over one ssh) and the naive way (flush and reload the whole table with `ipvsadm-restore`),
// with a client curling the one service the change does not touch while each change applies.
//
// Run alone: node --import jiti/register bench/tiers/director.ts [--repeat N] [--json FILE]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { desiredState } from '../../roles/index.ts';
import { ipvsTableOf, renderIpvsRules } from '../../roles/parts/ipvs.ts';
import { applyScript, applySteps, splitApplyOutput } from '../../src/apply/script.ts';
import { factsScript } from '../../src/facts/gather.ts';
import { loadInventory } from '../../src/inventory/load.ts';
import type { Inventory } from '../../src/inventory/model.ts';
import { ipvsDelta } from '../../src/ipvs/delta.ts';
import { sameTable } from '../../src/ipvs/equal.ts';
import { formatChanges } from '../../src/ipvs/format.ts';
import { parseIpvsSave } from '../../src/ipvs/parse.ts';
import { serviceKey, type IpvsTable } from '../../src/ipvs/table.ts';
import { procReadBack } from '../../src/plan/ipvs-read-back.ts';
import { changedItems as plannedChanges, planHost, readBackItems } from '../../src/plan/plan.ts';
import { connect } from '../../src/ssh/connection.ts';
import { startLab, type Lab, type SshAccess } from '../../test/lab/lab.ts';
import { nodeSshFloor, opensshFloor, type FloorTarget } from '../lib/floors.ts';
import { measure, summarize, type Measurement } from '../lib/measure.ts';
import type { TargetCheck, TierOptions, TierReport } from '../lib/tier.ts';
import {
  assertServes,
  changedItems,
  fmt,
  hostState,
  lowerFloor,
  lvsplayOk,
  measureInProcessNoop,
  measureWithSetup,
  profileLvsplay,
  ratioTarget,
  round,
  runAlone,
  UNDO_SCRIPT,
  waitForQuietMachine,
  waitForSettledLab,
  ContentionMonitor,
} from './lab.ts';

export { summarizeCpuProfile, type CpuProfile, type CpuSummary } from './lab.ts';

// ---------------------------------------------------------------------------------------------------------
// The inventory, generated: pure, unit-tested (test/unit/bench/director.test.ts).
// ---------------------------------------------------------------------------------------------------------

export const SHAPE = {
  services: 2000,
  realServers: 10,
  /** Index of the seed's own 192.168.10.100:80 → rs1, rs2: the middle of the table (see `endpointOf`). */
  untouched: 1000,
  /** Hosts the lab really has; rs3..rs10 are declared (on the DIP subnet) but never contacted. */
  labRealServers: ['rs1', 'rs2'],
} as const;

export const UNTOUCHED_VIP = '192.168.10.100';
export const UNTOUCHED_PORT = 80;

/** Edits that make the 1% change: `[service index, real server index, new weight]`. */
export interface OnePercentChange {
  readonly weights: readonly (readonly [number, number, number])[];
  /** Index of the service removed. */
  readonly removed: number;
  /** One service added: 192.168.10.100:10000 with the ten real servers. */
  readonly added: boolean;
}

export const NO_CHANGE: OnePercentChange = { weights: [], removed: -1, added: false };

/**
 * 20 real-server weights edited (spread over the table, never on the untouched service; every generated
 * weight is 0 to 5, the new ones 10 and up, so each edit is a real change), one service removed (the last),
 * one added: 1% of 2,000 services.
 */
export function onePercentChange(): OnePercentChange {
  const weights = Array.from({ length: 20 }, (_, k) => [50 + 97 * k, k % SHAPE.realServers, 10 + k] as const);
  if (weights.some(([s]) => s === SHAPE.untouched)) throw new Error('the change must not touch the untouched service');
  return { weights, removed: SHAPE.services - 1, added: true };
}

/**
 * The text of a .ts inventory whose services come from a loop: 2,000 DR services on the seed's VIP
 * 192.168.10.100, ports 80 and 8001-9999, 10 real servers each (rs1..rs10, 192.168.10.71-80). One VIP keeps
 * the per-VIP work (ifcfg-lo:N, lvsplay-vip@N, the address on lo) at the seed's size: the tier is about the table.
 * The seed's service 192.168.10.100:80 is at index 1000 (the middle of the rules file, which matters for a
 * flush-and-reload); its real servers rs3..rs10 have weight 0, so only rs1 and rs2 (the lab's) serve it.
 * `access` says how to reach the lab's hosts; the others keep the default and are never contacted.
 */
export function directorInventorySource(access: Readonly<Record<string, SshAccess>>, change: OnePercentChange = NO_CHANGE): string {
  return `// Generated by bench/tiers/director.ts (director tier of npm run bench): ${SHAPE.services} LVS-DR services
// × ${SHAPE.realServers} real servers on one director, made by a loop. Change: ${change.weights.length} weights, removed ${change.removed}, added ${change.added}.
import { defineInventory, type HostInput, type ServiceInput } from 'lvsplay';

const access: Record<string, { host: string; port: number; user: string; privateKey: string }> = ${JSON.stringify(access)};
const change: { weights: [number, number, number][]; removed: number; added: boolean } = ${JSON.stringify(change)};

const SERVICES = ${SHAPE.services};
const REAL_SERVERS = ${SHAPE.realServers};
const UNTOUCHED = ${SHAPE.untouched};

const hosts: Record<string, HostInput> = {
  router: { interfaces: { eth0: '192.168.10.84/24', eth1: '192.168.30.10/24' }, roles: ['router'] },
  lvs: { interfaces: { eth0: '192.168.10.81/24' }, gateway: '192.168.10.200', roles: ['director-dr'] },
};
for (let r = 1; r <= REAL_SERVERS; r++) {
  hosts[\`rs\${r}\`] = { interfaces: { eth0: \`192.168.10.\${70 + r}/24\` }, gateway: '192.168.10.84', roles: ['realserver-dr'] };
}
for (const [name, ssh] of Object.entries(access)) hosts[name] = { ...hosts[name]!, ssh };

/** Service i: the seed's VIP on 2,000 ports, rotated so that index UNTOUCHED is 192.168.10.100:80. */
function endpointOf(i: number): { vip: string; port: number } {
  const v = (i + UNTOUCHED) % SERVICES;
  return { vip: '192.168.10.100', port: v === 0 ? 80 : 8000 + v };
}

const edited = new Map(change.weights.map(([s, r, w]) => [\`\${s}/\${r}\`, w]));
const services: ServiceInput[] = [];
for (let i = 0; i < SERVICES; i++) {
  if (i === change.removed) continue;
  const seed = i === UNTOUCHED;
  const realServers = [];
  for (let r = 0; r < REAL_SERVERS; r++) {
    const weight = edited.get(\`\${i}/\${r}\`) ?? (seed ? (r < 2 ? 1 : 0) : 1 + ((i + r) % 5));
    realServers.push({ host: \`rs\${r + 1}\`, weight });
  }
  const scheduler = seed ? 'rr' : (['wlc', 'wrr', 'rr'] as const)[i % 3];
  services.push({ ...endpointOf(i), scheduler, director: 'lvs', realServers });
}
if (change.added) {
  const realServers = Array.from({ length: REAL_SERVERS }, (_, r) => ({ host: \`rs\${r + 1}\` }));
  services.push({ vip: '192.168.10.100', port: 10000, scheduler: 'wlc', director: 'lvs', realServers });
}

export default defineInventory({ hosts, services });
`;
}

/** The director's table an inventory wants. */
export function directorTable(inventory: Inventory): IpvsTable {
  const lvs = inventory.hosts.find((h) => h.name === 'lvs');
  if (!lvs) throw new Error('the director inventory has no host lvs');
  return ipvsTableOf(inventory, lvs);
}

/** The exact delta from table `a` to table `b`, as `ipvsadm -R` lines (what a person would type). */
export function deltaLines(a: IpvsTable, b: IpvsTable): string {
  const owned = new Set([...a, ...b].map(serviceKey));
  return formatChanges(ipvsDelta(a, b, owned));
}

// ---------------------------------------------------------------------------------------------------------
// The client's curl loop, and its count.
// ---------------------------------------------------------------------------------------------------------

export interface CurlCount {
  readonly requests: number;
  readonly failed: number;
  /** Requests made while the change ran (tagged `change` by the loop), and how many of them failed. */
  readonly duringChange: number;
  readonly failedDuringChange: number;
  /** Answers by body: rs1, rs2, lvs (the director's own web server: the service was missing), FAILED. */
  readonly answers: Readonly<Record<string, number>>;
}

/**
 * Counts the loop's log, one `PHASE ANSWER` line per request (phase: before, change, after); anything but
 * rs1/rs2 is a failed request.
 */
export function countAnswers(log: string, good: readonly string[] = SHAPE.labRealServers): CurlCount {
  const answers: Record<string, number> = {};
  let requests = 0;
  let failed = 0;
  let duringChange = 0;
  let failedDuringChange = 0;
  for (const raw of log.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const [phase = '', answer = ''] = line.split(/\s+/, 2);
    requests++;
    answers[answer] = (answers[answer] ?? 0) + 1;
    const bad = !good.includes(answer);
    if (bad) failed++;
    if (phase === 'change') {
      duringChange++;
      if (bad) failedDuringChange++;
    }
  }
  return { requests, failed, duringChange, failedDuringChange, answers };
}

/** Every 20 ms, at most 6,000 requests or 180 s, until /tmp/bench-stop appears; each line tagged with the phase. */
export const CURL_LOOP = `rm -f /tmp/bench-curl.log /tmp/bench-stop /tmp/bench-done
echo before > /tmp/bench-phase
i=0; end=$(( $(date +%s) + 180 ))
while [ ! -e /tmp/bench-stop ] && [ $i -lt 6000 ] && [ $(date +%s) -lt $end ]; do
  p=$(cat /tmp/bench-phase)
  r=$(curl -s --max-time 1 http://${UNTOUCHED_VIP}:${UNTOUCHED_PORT}/ 2>/dev/null) || r=FAILED
  [ -n "$r" ] || r=EMPTY
  echo "$p $r" >> /tmp/bench-curl.log
  i=$((i + 1))
  sleep 0.02
done
touch /tmp/bench-done
`;

type DrLab = Lab<'dr'>;

/**
 * Runs `fn` while the client curls the untouched service; the loop starts (and is seen working) before, and
 * stops after. `seconds` times `fn` alone, not the loop's start and stop.
 */
async function whileClientCurls<T>(lab: DrLab, fn: () => Promise<T>): Promise<{ result: T; count: CurlCount; seconds: number }> {
  const put = await lab.ssh('client', 'cat > /tmp/bench-loop.sh', { input: CURL_LOOP });
  if (put.code !== 0) throw new Error(`client: ${put.stderr}`);
  const start = await lab.ssh('client', 'rm -f /tmp/bench-curl.log /tmp/bench-done; setsid sh /tmp/bench-loop.sh < /dev/null > /dev/null 2>&1 &');
  if (start.code !== 0) throw new Error(`client: cannot start the curl loop: ${start.stderr}`);
  for (let i = 0; ; i++) {
    const lines = await lab.ssh('client', 'cat /tmp/bench-curl.log 2>/dev/null | wc -l');
    if (Number(lines.stdout.trim()) >= 5) break;
    if (i > 60) throw new Error('client: the curl loop did not start');
    await sleep(250);
  }
  // The phase is switched before fn starts and after it ends: the `change` lines cover at least fn's time.
  await lab.ssh('client', 'echo change > /tmp/bench-phase');
  let result: T;
  const started = performance.now();
  let took: number;
  try {
    result = await fn();
  } finally {
    took = (performance.now() - started) / 1000;
    await lab.ssh('client', 'echo after > /tmp/bench-phase; touch /tmp/bench-stop');
  }
  for (let i = 0; ; i++) {
    if ((await lab.ssh('client', 'test -e /tmp/bench-done')).code === 0) break;
    if (i > 60) throw new Error('client: the curl loop did not stop');
    await sleep(250);
  }
  const log = await lab.ssh('client', 'cat /tmp/bench-curl.log');
  return { result, count: countAnswers(log.stdout), seconds: took };
}

// ---------------------------------------------------------------------------------------------------------
// The tier.
// ---------------------------------------------------------------------------------------------------------

export async function runDirectorTier(options: TierOptions): Promise<TierReport> {
  const repeat = Math.max(3, options.repeat);
  const log = options.log;
  const tmp = await mkdtemp(join(tmpdir(), 'lvsplay-bench-director-'));
  await waitForQuietMachine(log);
  log('director tier: starting the dr lab (5 VMs)');
  const lab = await startLab('dr');
  const monitor = new ContentionMonitor(lab.dir);
  try {
    await waitForSettledLab(log);
    monitor.start();
    const report = await directorTier(lab, tmp, repeat, log);
    const contention = monitor.stop();
    return { ...report, setup: `${report.setup}; ${contention.summary}`, counts: { ...report.counts, ...contention.counts } };
  } finally {
    monitor.stop();
    await lab.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

interface Files {
  readonly a: string;
  readonly b: string;
  readonly knownHosts: string;
}

async function directorTier(lab: DrLab, tmp: string, repeat: number, log: (line: string) => void): Promise<TierReport> {
  const access = lab.access as Readonly<Record<string, SshAccess>>;
  const files: Files = { a: join(tmp, 'director-a.ts'), b: join(tmp, 'director-b.ts'), knownHosts: join(tmp, 'known_hosts') };
  await writeFile(files.a, directorInventorySource(access));
  await writeFile(files.b, directorInventorySource(access, onePercentChange()));
  await writeFile(files.knownHosts, '');
  const [invA, invB] = [await loadInventory(files.a), await loadInventory(files.b)];
  const [tableA, tableB] = [directorTable(invA), directorTable(invB)];
  const forward = deltaLines(tableA, tableB);
  const rulesLines = renderIpvsRules(tableA).split('\n').filter(Boolean).length;
  log(`director: ${tableA.length} services, ${rulesLines} rules lines; the 1% change is ${forward.split('\n').filter(Boolean).length} ipvsadm lines`);

  const run = (inventory: string, extra: readonly string[] = []) =>
    ['run', inventory, '--known-hosts', files.knownHosts, '--accept-new-host-keys', '--limit', 'lvs', ...extra];
  const bareLvs = await hostState(lab, 'lvs');

  // Once: the router forwards, rs1 and rs2 carry the VIPs with the DR ARP settings.
  await lvsplayOk(['run', files.a, '--known-hosts', files.knownHosts, '--accept-new-host-keys', '--limit', 'router', '--limit', 'rs1', '--limit', 'rs2'], 'router and real servers');

  const measurements: Measurement[] = [];
  const counts: Record<string, number> = {};

  // First converge from a bare director (undone before each repetition).
  const first = await measureWithSetup('lvsplay first converge, 2,000 × 10', repeat, async () => {
    const undo = await lab.ssh('lvs', UNDO_SCRIPT, { timeoutMs: 300_000 });
    if (undo.code !== 0) throw new Error(`lvs: undo failed: ${undo.stderr}`);
    const now = await hostState(lab, 'lvs');
    if (now !== bareLvs) throw new Error(`lvs is not bare after the undo:\n${now}`);
  }, async () => {
    const { run: r, hosts } = await lvsplayOk(run(files.a), 'first converge');
    if (hosts[0]?.status !== 'changed') throw new Error(`first converge: lvs ${hosts[0]?.status}`);
    return r.peakRssMb !== undefined ? { peakRssMb: r.peakRssMb } : undefined;
  }, log, { hosts: 1, note: `${rulesLines} lines through one ipvsadm -R; director undone between repetitions (no reboot)` });
  measurements.push(first);
  await assertServes(lab, UNTOUCHED_VIP, 'after the director first converge');

  const noop = await measureWithSetup('lvsplay no-op, 2,000 × 10', repeat, async () => {}, async () => {
    const { run: r, hosts } = await lvsplayOk(run(files.a), 'no-op');
    if (changedItems(hosts) !== 0) throw new Error(`no-op changed ${changedItems(hosts)} items`);
    return r.peakRssMb !== undefined ? { peakRssMb: r.peakRssMb } : undefined;
  }, log, { hosts: 1 });
  measurements.push(noop);

  const lvsTarget = (script: string): FloorTarget[] => [{ ...access.lvs!, script }];
  const noopFloors = [
    await measure('floor: OpenSSH, ipvsadm-save -n', repeat, () => opensshFloor(lvsTarget('ipvsadm-save -n\n')), { hosts: 1 }),
    await measure('floor: node-ssh, ipvsadm-save -n', repeat, () => nodeSshFloor(lvsTarget('ipvsadm-save -n\n')), { hosts: 1 }),
  ];
  const lvsFacts = factsScript(desiredState(invA, invA.hosts.find((h) => h.name === 'lvs')!)).script;
  const factsOnly = await measure('node-ssh, lvsplay facts script (for comparison)', repeat, () => nodeSshFloor(lvsTarget(lvsFacts)), {
    hosts: 1, note: 'connect + lvsplay\'s own facts script for lvs: ipvsadm-save -n, the rules file, hashes, units, addresses',
  });
  for (const m of [...noopFloors, factsOnly]) log(`  ${m.name}: ${fmt(m)}`);
  measurements.push(...noopFloors, factsOnly);

  // The 1% change: from A to B each time, A restored (untimed) by lvsplay before each repetition.
  const resetToA = async () => {
    await lvsplayOk(run(files.a), 'reset to A');
  };
  const lvsplayFailures: number[] = [];
  let lvsplayDuring = 0;
  let persistedMatches = 0;
  let lvsplayRequests = 0;
  const changeSeconds: number[] = [];
  let changePeak = 0;
  for (let rep = 0; rep < repeat; rep++) {
    await resetToA();
    const { result, count, seconds: took } = await whileClientCurls(lab, () => lvsplayOk(run(files.b), '1% change'));
    changeSeconds.push(took);
    changePeak = Math.max(changePeak, result.run.peakRssMb ?? 0);
    lvsplayFailures.push(count.failed);
    lvsplayRequests += count.requests;
    lvsplayDuring += count.duringChange;
    log(`  lvsplay 1% change #${rep + 1}: ${took.toFixed(2)} s; the client meanwhile: ${JSON.stringify(count.answers)}`);
    const ipvsItem = result.hosts[0]?.items.find((i) => i.kind === 'ipvs');
    if (ipvsItem?.status !== 'changed') throw new Error(`1% change: the ipvs item is ${ipvsItem?.status}`);
    if (await persistedEqualsLive(lab, tableB)) persistedMatches++;
  }
  const change = summarize('lvsplay 1% change', changeSeconds, {
    hosts: 1,
    ...(changePeak > 0 && { peakRssMb: round(changePeak, 0) }),
    note: `${forward.split('\n').filter(Boolean).length} ipvsadm lines (20 -e, one -A with 10 -a, one -D) and the rules file rewritten; A restored by lvsplay (untimed) before each`,
  });
  measurements.push(change);

  // The floor for the change: read the table and pipe the exact delta, by hand, over one ssh; under the same
  // client load as lvsplay's change (the client VM's curl loop takes host CPU too).
  const floorScript = `ipvsadm-save -n\nipvsadm -R <<'EOF'\n${forward}EOF\n`;
  const changeFloors: Measurement[] = [];
  let floorFailures = 0;
  for (const [name, floorFn] of [['OpenSSH', opensshFloor], ['node-ssh', nodeSshFloor]] as const) {
    const took: number[] = [];
    for (let rep = 0; rep < repeat; rep++) {
      await resetToA();
      const { count, seconds: s } = await whileClientCurls(lab, () => floorFn(lvsTarget(floorScript)));
      took.push(s);
      floorFailures += count.failed;
      log(`  floor ${name}, save + delta #${rep + 1}: ${s.toFixed(2)} s; the client meanwhile: ${JSON.stringify(count.answers)}`);
      if (rep === 0) await expectLiveTable(lab, tableB, `floor (${name})`);
    }
    changeFloors.push(summarize(`floor: ${name}, ipvsadm-save -n + delta | ipvsadm -R`, took, { hosts: 1, note: 'one ssh, while the client curls (as during lvsplay\'s change); A restored before each' }));
  }
  measurements.push(...changeFloors);

  // The naive way: flush and reload the whole table from a file.
  const upload = await lab.ssh('lvs', 'cat > /root/bench-b.rules', { input: renderIpvsRules(tableB) });
  if (upload.code !== 0) throw new Error(`lvs: ${upload.stderr}`);
  const flushFailures: number[] = [];
  let flushDuring = 0;
  let flushFailedDuring = 0;
  let flushRequests = 0;
  const flushSeconds: number[] = [];
  for (let rep = 0; rep < repeat; rep++) {
    await resetToA();
    const { result, count, seconds: took } = await whileClientCurls(lab, () => lab.ssh('lvs', 'ipvsadm-restore < /root/bench-b.rules', { timeoutMs: 300_000 }));
    if (result.code !== 0) throw new Error(`ipvsadm-restore failed: ${result.stderr}`);
    flushSeconds.push(took);
    flushFailures.push(count.failed);
    flushRequests += count.requests;
    flushDuring += count.duringChange;
    flushFailedDuring += count.failedDuringChange;
    log(`  flush and reload #${rep + 1}: ${took.toFixed(2)} s; the client meanwhile: ${JSON.stringify(count.answers)}`);
    if (rep === 0) await expectLiveTable(lab, tableB, 'flush and reload');
  }
  const flush = summarize('flush and reload: ipvsadm-restore < file', flushSeconds, {
    hosts: 1,
    note: `one ssh: ipvsadm-restore (ipvsadm -C, then ${rulesLines} lines through ipvsadm -R); the untouched service is in the middle of the file`,
  });
  measurements.push(flush);

  counts['failed requests to the untouched service during lvsplay 1% change (sum over repetitions)'] = sum(lvsplayFailures);
  counts['requests to the untouched service around lvsplay 1% change (sum, loop start to stop)'] = lvsplayRequests;
  counts['requests to the untouched service while lvsplay 1% change ran (sum)'] = lvsplayDuring;
  counts['failed requests to the untouched service during flush and reload (sum over repetitions)'] = sum(flushFailures);
  counts['requests to the untouched service around flush and reload (sum, loop start to stop)'] = flushRequests;
  counts['requests to the untouched service while flush and reload ran (sum)'] = flushDuring;
  counts['failed requests while flush and reload ran (sum)'] = flushFailedDuring;
  counts['failed requests to the untouched service during the floor\'s change (sum)'] = floorFailures;
  counts['persisted rules file equals the live table after lvsplay change (repetitions)'] = persistedMatches;
  counts['lvsplay change repetitions'] = repeat;

  // Where lvsplay's time goes: the same stages in this process, and the remote commands on their own.
  measurements.push(...(await measureInProcessNoop(files.a, files.knownHosts, repeat, log, ['lvs'])));
  await resetToA();
  const breakdown = await engineBreakdown(lab, files, log);
  measurements.push(...breakdown.measurements);
  for (const [name, n] of Object.entries(breakdown.sizes)) counts[`breakdown: ${name}`] = n;
  await resetToA();
  const profiles = await cpuProfiles(files, run, tmp, log);
  measurements.push(...profiles);

  const floorNoop = lowerFloor(noopFloors[0]!, noopFloors[1]!);
  const floorChange = lowerFloor(changeFloors[0]!, changeFloors[1]!);
  const targets: TargetCheck[] = [
    ratioTarget('director no-op ≤ 1.5x the floor', noop, floorNoop, 1.5, breakdown.noopWhy),
    ratioTarget('director 1% change ≤ 1.5x the floor', change, floorChange, 1.5, breakdown.changeWhy),
    {
      target: '0 failed requests on the untouched service during lvsplay\'s change',
      measured: `lvsplay: ${sum(lvsplayFailures)} failed of ${lvsplayRequests} requests from loop start to stop, ${lvsplayDuring} of them while the change ran (per repetition ${lvsplayFailures.join(', ')} failed); ` +
        `flush and reload: ${sum(flushFailures)} failed of ${flushRequests}, ${flushFailedDuring} of ${flushDuring} while it ran (per repetition ${flushFailures.join(', ')} failed)`,
      met: sum(lvsplayFailures) === 0,
    },
    {
      target: 'persisted rules file equals the live table after the change',
      measured: `${persistedMatches} of ${repeat} repetitions: /etc/sysconfig/ipvsadm and ipvsadm-save -n parse to the same table (sameTable), and equal the desired one`,
      met: persistedMatches === repeat,
    },
  ];
  return {
    tier: 'director',
    setup: `dr lab (test/lab, startLab('dr')), director lvs (QEMU TCG, 1 vCPU, 320 MB, kernel 6.1, ipvsadm 1.31) with ${tableA.length} DR services × 10 real servers (${rulesLines} rules lines) from a generated .ts inventory (rs3..rs10 declared, never contacted; run with --limit lvs); rs1/rs2/router set up once; client curls ${UNTOUCHED_VIP}:${UNTOUCHED_PORT} every 20 ms during each change; ${repeat} repetitions each`,
    measurements,
    targets,
    counts,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

async function liveTable(lab: DrLab): Promise<IpvsTable> {
  const live = await lab.ssh('lvs', 'ipvsadm-save -n', { timeoutMs: 300_000 });
  if (live.code !== 0) throw new Error(`lvs: ipvsadm-save -n: ${live.stderr}`);
  return parseIpvsSave(live.stdout).table;
}

async function expectLiveTable(lab: DrLab, want: IpvsTable, what: string): Promise<void> {
  if (!sameTable(await liveTable(lab), want)) throw new Error(`${what}: the live table is not the desired one`);
}

/** /etc/sysconfig/ipvsadm and the live table, parsed and compared (ipvsadm-save prints hash order). */
async function persistedEqualsLive(lab: DrLab, want: IpvsTable): Promise<boolean> {
  const persisted = await lab.ssh('lvs', 'cat /etc/sysconfig/ipvsadm');
  const live = await liveTable(lab);
  const file = parseIpvsSave(persisted.stdout).table;
  return live.length > 0 && sameTable(live, file) && sameTable(live, want);
}

// ---------------------------------------------------------------------------------------------------------
// Where the time goes.
// ---------------------------------------------------------------------------------------------------------

const seconds = (since: number) => (performance.now() - since) / 1000;

/**
 * Where lvsplay's time goes, phase by phase, as HostRun does it (connect, facts, parse, plan, one round trip
 * for apply and its read-back), for the change (A → B, then back to A by lvsplay); and the remote commands
 * timed on the VM itself.
 */
async function engineBreakdown(lab: DrLab, files: Files, log: (line: string) => void): Promise<{ measurements: Measurement[]; sizes: Record<string, number>; noopWhy: string; changeWhy: string }> {
  const phases: Record<string, number> = {};
  const sizes: Record<string, number> = {};
  const time = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const result = await fn();
    phases[name] = seconds(t);
    return result;
  };

  const invB = await time('load inventory B (jiti, checks)', () => loadInventory(files.b));
  const lvsB = invB.hosts.find((h) => h.name === 'lvs')!;
  const state = await time('desired state B (roles, 22,000-line template)', () => desiredState(invB, lvsB));
  const { script, parse } = factsScript(state);
  const connection = await time('connect (node-ssh)', () =>
    connect(lvsB.ssh, { knownHostsFile: files.knownHosts, acceptNewHostKeys: true, connectTimeoutMs: 30_000, commandTimeoutMs: 600_000 }));
  try {
    const facts1 = await time('facts: exec (remote + transfer)', () => connection.exec('timeout -k 5 300 sh -s', script));
    sizes['facts output, bytes'] = facts1.stdout.length;
    const facts = await time('facts: parse', () => parse(facts1.stdout));
    const plan = await time('plan (delta of 2,000 services)', () => planHost(state, facts));
    const changed = plannedChanges(plan);
    const ipvsChanges = changed.flatMap((item) => (item.kind === 'ipvs' ? item.ipvsChanges ?? [] : []));
    const fromProc = procReadBack(ipvsChanges);
    const readBack = factsScript({ ...state, items: changed }, fromProc ? { ipvsFromProc: fromProc } : {});
    const apply = await time('apply script: build', () => applyScript(applySteps(plan), 'bench', readBack.script));
    sizes['apply script, bytes'] = apply.length;
    const applied = await time('apply + read-back: exec (one round trip)', () => connection.exec('timeout -k 5 300 sh -s', apply));
    sizes['apply + read-back output, bytes'] = applied.stdout.length;
    const after = await time('read-back: parse + check', () => readBackItems(changed, readBack.parse(splitApplyOutput(applied.stdout)!.readBack)));
    const notOk = after.filter((item) => item.verdict.status !== 'ok');
    if (notOk.length > 0) throw new Error(`breakdown: the change did not read back: ${notOk.map((i) => i.verdict.reason).join('; ')}`);
  } finally {
    await connection.close();
  }
  // Remote costs alone, on the VM: each command timed by the VM's clock, output to /dev/null.
  const remote = await lab.ssh('lvs', [
    't() { s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo "$((e - s)) $*"; }',
    't ipvsadm-save -n',
    't cat /proc/net/ip_vs',
    't sha256sum /etc/sysconfig/ipvsadm',
  ].join('\n'));
  for (const line of remote.stdout.trim().split('\n')) {
    const [ns, ...what] = line.split(' ');
    phases[`on the VM: ${what.join(' ')}`] = Number(ns) / 1e9;
  }
  const remoteFacts = await lab.ssh('lvs', `s=$(date +%s%N); sh -s > /dev/null; e=$(date +%s%N); echo $((e - s))`, { input: script });
  phases['on the VM: the whole facts script'] = Number(remoteFacts.stdout.trim()) / 1e9;

  // Each fact of lvsplay's own facts script timed on the VM (output to /dev/null, stamps to stderr).
  const stamped = script.replace(/^echo '@@lvsplay-fact (\S+)'$/gm, 'echo "@@t $1 $(date +%s%N)" >&2');
  const perFact = await lab.ssh('lvs', 'sh -s > /dev/null', { input: stamped, timeoutMs: 300_000 });
  const stamps = [...perFact.stderr.matchAll(/^@@t (\S+) (\d+)$/gm)].map((m) => ({ name: m[1]!, ns: Number(m[2]) }));
  stamps.slice(0, -1).forEach((st, i) => {
    phases[`on the VM: fact ${st.name}`] = (stamps[i + 1]!.ns - st.ns) / 1e9;
  });

  for (const [name, s] of Object.entries(phases)) log(`  breakdown: ${name}: ${s.toFixed(3)} s`);
  for (const [name, n] of Object.entries(sizes)) log(`  breakdown: ${name}: ${n}`);

  const measurements = Object.entries(phases).map(([name, s]): Measurement => ({
    name: `breakdown (1% change, once): ${name}`, seconds: [round(s, 3)], min: round(s, 3), median: round(s, 3),
  }));
  const p = (name: string) => (phases[name] ?? 0).toFixed(2);
  const factList = Object.entries(phases).filter(([n]) => n.startsWith('on the VM: fact ')).map(([n, v]) => `${n.slice('on the VM: fact '.length)} ${v.toFixed(2)} s`).join(', ');
  const noopWhy = `the no-op's round trip runs lvsplay's whole facts script, of which ipvsadm-save -n is one part: ${p('facts: exec (remote + transfer)')} s in-process ` +
    `(on the VM ${p('on the VM: the whole facts script')} s, per fact: ${factList}; ${sizes['facts output, bytes']} bytes come back). ` +
    `The rest is Node: start-up, jiti, loading the inventory (${p('load inventory B (jiti, checks)')} s warm), parsing (${p('facts: parse')} s warm)`;
  const changeWhy = `the floor is one ssh running ipvsadm-save -n and piping a delta computed beforehand; lvsplay also reads every other fact ` +
    `(facts ${p('facts: exec (remote + transfer)')} s, of which ipvsadm-save -n ${p('on the VM: ipvsadm-save -n')} s on the VM), persists the whole rules file and reads the change back ` +
    `(apply + read-back ${p('apply + read-back: exec (one round trip)')} s; /proc/net/ip_vs ${p('on the VM: cat /proc/net/ip_vs')} s), plus Node start-up and connect ` +
    `(${p('connect (node-ssh)')} s). Reading the live table from /proc/net/ip_vs instead of ipvsadm-save -n where no persistence timeout or scheduler flag is in play would take about 1.1 s off`;
  return { measurements, sizes, noopWhy, changeWhy };
}

/** lvsplay with --cpu-prof for the no-op and the change; the heaviest files and functions by self time. */
async function cpuProfiles(files: Files, run: (inventory: string, extra?: readonly string[]) => string[], tmp: string, log: (line: string) => void): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const [what, inventory] of [['no-op', files.a], ['1% change', files.b]] as const) {
    out.push(...(await profileLvsplay([...run(inventory), '--json'], `lvsplay ${what}`, join(tmp, `prof-${what.replace(/\W+/g, '-')}`), log)));
    if (what === '1% change') await lvsplayOk(run(files.a), 'reset to A');
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runAlone(runDirectorTier);
}
