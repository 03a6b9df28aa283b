// Lab tier of `npm run bench`: the seed's 4.2 LVS-DR cluster on the QEMU lab (test/lab/), five VMs, four of
// them managed. lvsplay's first converge and no-op against the two floors (one round trip of lvsplay's own
// facts script per host, OpenSSH and node-ssh) and against an equivalent Ansible playbook (bench/ansible/),
// with Ansible's defaults and tuned.
//
// Run alone: node --import jiti/register bench/tiers/lab.ts [--repeat N] [--json FILE] [--only noop]
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { desiredState } from '../../roles/index.ts';
import { factsScript } from '../../src/facts/gather.ts';
import { loadInventory } from '../../src/inventory/load.ts';
import type { RoleName } from '../../src/inventory/model.ts';
import { startLab, type Lab, type SshAccess } from '../../test/lab/lab.ts';
import { topologies } from '../../test/lab/topologies.ts';
import { failureText, writeLabInventory, type JsonHost } from '../../test/e2e/lvsplay.ts';
import { bastionSshConfig } from '../fleet/bastion.ts';
import { nodeSshFloor, opensshFloor, type FloorTarget } from '../lib/floors.ts';
import { measure, summarize, type Measurement } from '../lib/measure.ts';
import { describePhases, medianRun, observedArgs, phaseMeasurements, takePhases, timelineFile, type RunPhases } from '../lib/timeline.ts';
import type { TargetCheck, TierOptions, TierReport } from '../lib/tier.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ANSIBLE_DIR = join(ROOT, 'bench/ansible');

// ---------------------------------------------------------------------------------------------------------
// Shared with the director tier: one lab at a time, the lvsplay CLI timed, undoing what lvsplay did.
// ---------------------------------------------------------------------------------------------------------

/** Only one VM lab may run on this machine: wait until no QEMU is left (another suite may be running). */
export async function waitForNoOtherLab(log: (line: string) => void, timeoutMs = 60 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const pids = await new Promise<string>((resolve) => execFile('pgrep', ['-f', 'qemu-system'], (_e, stdout) => resolve(stdout.trim())));
    if (pids === '') return;
    if (!said) log(`waiting for the running VM lab to end (qemu pids ${pids.split('\n').join(' ')}): one lab at a time`);
    said = true;
    if (Date.now() > deadline) throw new Error(`another VM lab is still running after ${timeoutMs / 60_000} min (qemu pids ${pids})`);
    await sleep(10_000);
  }
}

function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

function pgrep(pattern: string): Promise<number[]> {
  return new Promise((resolve) => execFile('pgrep', ['-f', pattern], (_e, stdout) => resolve(stdout.trim().split('\n').filter(Boolean).map(Number))));
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * Before a lab starts: no other VM lab (the rule), and a quiet machine (1-min load under 1.5, i.e. nothing
 * else busy on the 2 cores), or the figures measure someone else's work. Gives up waiting for quiet (not
 * for QEMU) after `quietTimeoutMs` and says so; the monitor's figures then show the load.
 */
export async function waitForQuietMachine(log: (line: string) => void, quietTimeoutMs = Number(process.env.LVSPLAY_BENCH_QUIET_WAIT_S ?? 180) * 1000): Promise<void> {
  await waitForNoOtherLab(log);
  const deadline = Date.now() + quietTimeoutMs;
  let said = false;
  while (loadAverage() >= 1.5) {
    if (Date.now() > deadline) {
      log(`the machine is still busy (1-min load ${loadAverage()}) after ${quietTimeoutMs / 60_000} min: going on, figures may be skewed`);
      return;
    }
    if (!said) log(`waiting for a quiet machine (1-min load ${loadAverage()}): the figures need the cores`);
    said = true;
    await sleep(10_000);
    await waitForNoOtherLab(log);
  }
}

/**
 * After the lab has booted and before the first timed figure: other work on the machine (a benchmark that
 * yields to QEMU finishes its block in flight, then waits) must have settled. This lab's own idle VMs keep
 * the 1-min load near 1-2 on 2 cores, so wait for it to fall under 2.5, at most `timeoutMs`.
 */
export async function waitForSettledLab(log: (line: string) => void, timeoutMs = 5 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  while (loadAverage() >= 2.5) {
    if (Date.now() > deadline) {
      log(`1-min load still ${loadAverage()} after ${timeoutMs / 60_000} min with the lab up: going on, figures may be skewed`);
      return;
    }
    if (!said) log(`lab up; waiting for the machine to settle (1-min load ${loadAverage()}) before timing anything`);
    said = true;
    await sleep(5_000);
  }
}

/** While a tier runs: the load on the machine, and any QEMU that is not this lab's (another lab, against the rule). */
export class ContentionMonitor {
  private readonly loads: number[] = [];
  private readonly foreign = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly labDir: string) {}

  start(): this {
    const sample = async () => {
      this.loads.push(loadAverage());
      for (const pid of await pgrep('qemu-system')) {
        const line = cmdline(pid);
        if (line !== '' && !line.includes(this.labDir)) this.foreign.add(`${pid} ${/-name (\S+)/.exec(line)?.[1] ?? ''}`.trim());
      }
    };
    void sample();
    this.timer = setInterval(() => void sample(), 5_000);
    return this;
  }

  stop(): { summary: string; counts: Record<string, number> } {
    if (this.timer) clearInterval(this.timer);
    const max = Math.max(0, ...this.loads);
    const mean = this.loads.length ? this.loads.reduce((a, b) => a + b, 0) / this.loads.length : 0;
    const foreign = [...this.foreign];
    const summary =
      `1-min load average during the tier: mean ${mean.toFixed(1)}, max ${max.toFixed(1)} (this lab's VMs included); ` +
      (foreign.length === 0 ? 'no other QEMU ran' : `WARNING: other QEMU processes ran meanwhile (${foreign.join(', ')}): figures are skewed`);
    return { summary, counts: { 'max 1-min load average during the tier': round(max, 1), 'other QEMU processes seen during the tier': foreign.length } };
  }
}

export interface CliRun {
  readonly seconds: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak RSS of the lvsplay process, MB (GNU time), when measurable. */
  readonly peakRssMb?: number;
  /** Its stages as the engine told them, for a run that reached its hosts. */
  readonly phases?: RunPhases;
}

const GNU_TIME = '/usr/bin/time';

/**
 * `lvsplay ARGS`, timed from spawn to exit, as an operator runs it: bin/lvsplay.js's own start-up and
 * main(), observed (bench/lib/observed-lvsplay.js), so that its stages come from the engine itself.
 */
export function timedLvsplay(args: readonly string[], nodeOptions: readonly string[] = []): Promise<CliRun> {
  const withTime = existsSync(GNU_TIME);
  const command = withTime ? GNU_TIME : process.execPath;
  const timeline = timelineFile();
  const argv = [...(withTime ? ['-f', '@@bench-maxrss %M', process.execPath] : []), ...nodeOptions, ...observedArgs(timeline, args)];
  return new Promise((resolve) => {
    const started = performance.now();
    execFile(command, argv, { cwd: ROOT, timeout: 15 * 60_000, maxBuffer: 256 << 20 }, (error, stdout, stderr) => {
      const seconds = (performance.now() - started) / 1000;
      const rss = /@@bench-maxrss (\d+)/.exec(stderr);
      const phases = takePhases(timeline, seconds);
      resolve({
        seconds,
        code: error ? Number((error as { code?: unknown }).code ?? 1) : 0,
        stdout,
        stderr: stderr.replace(/@@bench-maxrss \d+\n?/, ''),
        ...(rss && { peakRssMb: Number(rss[1]) / 1024 }),
        ...(phases && { phases }),
      });
    });
  });
}

/** The hosts of `lvsplay run --json`, or an error with lvsplay's own words. */
export function jsonHosts(run: CliRun, what: string): JsonHost[] {
  try {
    return (JSON.parse(run.stdout) as { hosts: JsonHost[] }).hosts;
  } catch {
    throw new Error(`${what}: lvsplay printed no JSON report (exit ${run.code}):\n${run.stdout.slice(0, 4000)}\n${run.stderr.slice(0, 4000)}`);
  }
}

export function changedItems(hosts: readonly JsonHost[]): number {
  return hosts.reduce((sum, h) => sum + h.tally.changed, 0);
}

/** Runs lvsplay and insists on exit 0 and a JSON report; returns both, and the run's stages. */
export async function lvsplayOk(args: readonly string[], what: string, nodeOptions: readonly string[] = []): Promise<{ run: CliRun; hosts: JsonHost[]; phases: RunPhases }> {
  const run = await timedLvsplay([...args, '--json'], nodeOptions);
  const hosts = jsonHosts(run, what);
  if (run.code !== 0) throw new Error(`${what}: lvsplay exited ${run.code}:\n${failureText(hosts) || run.stderr}`);
  if (!run.phases) throw new Error(`${what}: lvsplay reported its hosts but its timeline told no stage`);
  return { run, hosts, phases: run.phases };
}

/**
 * What lvsplay (or the Ansible playbook) changes on a host, as text: compared before and after an undo, so
 * a "bare" host is provably as it booted. Units, files, sysctls, lo addresses, ip_vs and its table.
 */
export const STATE_SCRIPT = `export LC_ALL=C
echo '## files'
ls -d /etc/sysctl.d/90-lvsplay-* /etc/modules-load.d/lvsplay-* /etc/systemd/system/lvsplay-* /etc/systemd/system/*.wants/lvsplay-* /etc/sysconfig /var/lib/lvsplay 2>/dev/null
echo '## sysctl'
for k in net.ipv4.ip_forward net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_ignore net.ipv4.conf.lo.arp_announce; do echo "$k=$(sysctl -n $k)"; done
echo '## lo'
ip -o -4 address show dev lo | awk '{print $4}'
echo '## units'
systemctl list-units --all --plain --no-legend 'lvsplay-*' | awk '{print $1, $3, $4}'
echo '## ip_vs'
if [ -e /proc/net/ip_vs ]; then echo loaded; ipvsadm-save -n | sort; fi
lsmod | awk '/^ip_vs/ {print $1}' | sort
`;

/**
 * Undoes what lvsplay (or the playbook) did, without a reboot: units stopped and disabled, their files, the
 * sysctl and modules-load drop-ins, the ifcfg files and rules file, the backups, the VIPs on lo, the sysctls
 * back to the kernel's defaults (those the lab boots with: all 0), the IPVS table flushed and ip_vs unloaded
 * (which also drops its net.ipv4.vs.* settings).
 */
export const UNDO_SCRIPT = `export LC_ALL=C
units=$(systemctl list-units --all --plain --no-legend 'lvsplay-*' | awk '{print $1}')
[ -z "$units" ] || systemctl stop $units
rm -f /etc/systemd/system/*.wants/lvsplay-* /etc/systemd/system/lvsplay-*
systemctl daemon-reload
systemctl reset-failed 'lvsplay-*' 2>/dev/null || true
rm -f /etc/sysctl.d/90-lvsplay-*.conf /etc/modules-load.d/lvsplay-*.conf /etc/sysconfig/ipvsadm /etc/sysconfig/network-scripts/ifcfg-lo:* /etc/sysconfig/network-scripts/.lvsplay.*
rmdir /etc/sysconfig/network-scripts /etc/sysconfig 2>/dev/null || true
rm -rf /var/lib/lvsplay /root/.ansible
ip -o -4 address show dev lo | awk '$4 != "127.0.0.1/8" {print $4}' | while read -r a; do ip address del "$a" dev lo; done
sysctl -q -w net.ipv4.ip_forward=0 net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.lo.arp_ignore=0 net.ipv4.conf.lo.arp_announce=0
if [ -e /proc/net/ip_vs ]; then ipvsadm -C; fi
for m in $(lsmod | awk '/^ip_vs_/ {print $1}'); do modprobe -r "$m"; done
modprobe -r ip_vs 2>/dev/null || true
exit 0
`;

type AnyLab = Lab<'dr'>;
type Managed = keyof AnyLab['access'] & string;

export async function hostState(lab: AnyLab, host: string): Promise<string> {
  const result = await lab.ssh(host as Managed, STATE_SCRIPT);
  if (result.code !== 0) throw new Error(`${host}: state script failed: ${result.stderr}`);
  return result.stdout;
}

/** Undo on every host, then prove each is back to the state it booted with. */
export async function undoToBare(lab: AnyLab, bare: ReadonlyMap<string, string>): Promise<void> {
  await Promise.all(
    [...bare.keys()].map(async (host) => {
      const undo = await lab.ssh(host as Managed, UNDO_SCRIPT, { timeoutMs: 300_000 });
      if (undo.code !== 0) throw new Error(`${host}: undo failed (exit ${undo.code}): ${undo.stderr}`);
      const now = await hostState(lab, host);
      if (now !== bare.get(host)) throw new Error(`${host}: not bare after the undo:\n--- booted\n${bare.get(host)}\n--- now\n${now}`);
    }),
  );
}

/** What a timed repetition may hand back: its peak RSS, and checks to run after the clock stops. */
export type TimedResult = void | { peakRssMb?: number; verify?: () => Promise<void> };

/** Times `fn` `repeat` times, running `setup` (untimed) before each and the result's `verify` (untimed) after. */
export async function measureWithSetup(
  name: string,
  repeat: number,
  setup: (rep: number) => Promise<void>,
  fn: (rep: number) => Promise<TimedResult>,
  log: (line: string) => void,
  extra: Partial<Measurement> = {},
): Promise<Measurement> {
  const seconds: number[] = [];
  let peak: number | undefined;
  for (let rep = 0; rep < repeat; rep++) {
    await setup(rep);
    const started = performance.now();
    const result = await fn(rep);
    const took = (performance.now() - started) / 1000;
    seconds.push(took);
    if (result && result.peakRssMb !== undefined) peak = Math.max(peak ?? 0, result.peakRssMb);
    log(`  ${name} #${rep + 1}: ${took.toFixed(2)} s`);
    if (result?.verify) await result.verify();
  }
  return summarize(name, seconds, { ...extra, ...(peak !== undefined && { peakRssMb: round(peak, 0) }) });
}

/** Keeps a repetition's stages, as the engine told them, and logs where its time went. */
export function keepStages(into: RunPhases[], phases: RunPhases, log: (line: string) => void): void {
  into.push(phases);
  log(`    stages: ${describePhases(phases)}`);
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function fmt(m: Measurement): string {
  return `min ${m.min.toFixed(2)} s, median ${m.median.toFixed(2)} s`;
}

/** The lower of two floors, by median. */
export function lowerFloor(a: Measurement, b: Measurement): Measurement {
  return a.median <= b.median ? a : b;
}

/** `x is ≤ limit × floor`, by medians (min ratio shown beside). */
export function ratioTarget(target: string, measured: Measurement, floor: Measurement, limit: number, why?: string): TargetCheck {
  const median = measured.median / floor.median;
  const min = measured.min / floor.min;
  const met = median <= limit;
  return {
    target,
    measured: `${measured.name} ${fmt(measured)} / ${floor.name} ${fmt(floor)} = ${median.toFixed(2)}x by median (${min.toFixed(2)}x by min)`,
    met,
    ...(!met && why && { note: why }),
  };
}

export function sshArgs(access: SshAccess): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=15',
    '-i',
    access.privateKey,
    '-p',
    String(access.port),
    '-l',
    access.user,
    access.host,
  ];
}

/** Floor targets: each managed host with lvsplay's own facts script for it. */
export async function floorTargets(inventoryFile: string, access: Readonly<Record<string, SshAccess>>, limit?: readonly string[]): Promise<FloorTarget[]> {
  const inventory = await loadInventory(inventoryFile);
  return inventory.hosts
    .filter((host) => !limit || limit.includes(host.name))
    .map((host) => {
      const a = access[host.name];
      if (!a) throw new Error(`no lab access for ${host.name}`);
      return { host: a.host, port: a.port, user: a.user, privateKey: a.privateKey, script: factsScript(desiredState(inventory, host)).script };
    });
}

export interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface CpuSummary {
  readonly totalSeconds: number;
  readonly idleSeconds: number;
  readonly byFile: readonly { name: string; seconds: number }[];
  readonly byFunction: readonly { name: string; seconds: number }[];
}

/** Self time per file and per function of a V8 .cpuprofile (sample deltas summed per node). */
export function summarizeCpuProfile(profile: CpuProfile, root = process.cwd()): CpuSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1e6;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idle = 0;
  for (const [id, s] of self) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') idle += frame.functionName === '(idle)' ? s : 0;
    const file = frame.url ? shortUrl(frame.url, root) : frame.functionName;
    byFile.set(file, (byFile.get(file) ?? 0) + s);
    const fn = `${frame.functionName || '(anonymous)'} ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + s);
  }
  const sorted = (m: Map<string, number>) => [...m].map(([name, seconds]) => ({ name, seconds })).sort((a, b) => b.seconds - a.seconds);
  return { totalSeconds: total, idleSeconds: idle, byFile: sorted(byFile), byFunction: sorted(byFunction) };
}

function shortUrl(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  const rootPath = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(rootPath) ? path.slice(rootPath.length) : path;
}

/** One lvsplay run under --cpu-prof: wall time, time on CPU, and the heaviest files and functions. */
export async function profileLvsplay(args: readonly string[], what: string, dir: string, log: (line: string) => void): Promise<Measurement[]> {
  const result = await timedLvsplay(args, ['--cpu-prof', '--cpu-prof-dir', dir]);
  if (result.code !== 0) throw new Error(`--cpu-prof run (${what}) exited ${result.code}: ${result.stderr}`);
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const summary = summarizeCpuProfile(JSON.parse(await readFile(join(dir, file!), 'utf8')) as CpuProfile, ROOT);
  const busy = summary.totalSeconds - summary.idleSeconds;
  log(`  cpu profile, ${what}: wall ${result.seconds.toFixed(2)} s, profiled ${summary.totalSeconds.toFixed(2)} s, on CPU ${busy.toFixed(2)} s`);
  for (const f of summary.byFile.slice(0, 10)) log(`    file ${f.name}: ${f.seconds.toFixed(3)} s`);
  for (const f of summary.byFunction.slice(0, 15)) log(`    fn ${f.name}: ${f.seconds.toFixed(3)} s`);
  const single = (name: string, s: number): Measurement => ({ name, seconds: [round(s, 3)], min: round(s, 3), median: round(s, 3) });
  return [
    single(`cpu profile (once), ${what}: wall`, result.seconds),
    single(`cpu profile (once), ${what}: Node on CPU (not idle)`, busy),
    ...summary.byFile
      .filter((f) => f.name !== '(idle)')
      .slice(0, 6)
      .map((f) => single(`cpu profile (once), ${what}: self time in ${f.name}`, f.seconds)),
    ...summary.byFunction
      .filter((f) => !f.name.startsWith('(idle)'))
      .slice(0, 6)
      .map((f) => single(`cpu profile (once), ${what}: self time in ${f.name}`, f.seconds)),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Ansible: its inventory for the lab, its recap, Python in the guests.
// ---------------------------------------------------------------------------------------------------------

const ANSIBLE_GROUPS: Partial<Record<RoleName, string>> = {
  router: 'routers',
  'director-dr': 'directors_dr',
  'realserver-dr': 'realservers_dr',
};

/**
 * Ansible's inventory for the lab (YAML): groups from the lvsplay roles, each host reached on its forwarded
 * port. Host keys are not checked (ansible.cfg): the lab's are throwaway.
 */
export function ansibleInventory(hosts: readonly { name: string; roles: readonly RoleName[]; access: SshAccess }[]): string {
  const groups = new Map<string, string[]>();
  for (const host of hosts) {
    for (const role of host.roles) {
      const group = ANSIBLE_GROUPS[role];
      if (!group) throw new Error(`host ${host.name}: no Ansible group for role ${role}`);
      groups.set(group, [...(groups.get(group) ?? []), host.name]);
    }
  }
  const byName = new Map(hosts.map((h) => [h.name, h.access]));
  const lines = ['all:', '  children:'];
  for (const [group, members] of groups) {
    lines.push(`    ${group}:`, '      hosts:');
    for (const name of members) {
      const a = byName.get(name)!;
      lines.push(
        `        ${name}:`,
        `          ansible_host: ${JSON.stringify(a.host)}`,
        `          ansible_port: ${a.port}`,
        `          ansible_user: ${JSON.stringify(a.user)}`,
        `          ansible_ssh_private_key_file: ${JSON.stringify(a.privateKey)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface RecapLine {
  readonly ok: number;
  readonly changed: number;
  readonly unreachable: number;
  readonly failed: number;
}

/** `PLAY RECAP` of ansible-playbook's default output, per host. */
export function parseAnsibleRecap(stdout: string): Map<string, RecapLine> {
  const recap = new Map<string, RecapLine>();
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) return recap;
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line.trim());
    if (m) recap.set(m[1]!, { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]) });
  }
  return recap;
}

/**
 * The lab image has no Python, and Ansible's modules need it: Debian's python3 (the same bookworm packages
 * the image is built from), downloaded once on this machine with apt-get and installed into each guest with
 * dpkg over ssh (the guests have no network). Only the packages the image lacks.
 */
const PYTHON_DEBS = [
  'libexpat1',
  'libpython3-stdlib',
  'libpython3.11-minimal',
  'libpython3.11-stdlib',
  'libreadline8',
  'libsqlite3-0',
  'media-types',
  'python3',
  'python3-minimal',
  'python3.11',
  'python3.11-minimal',
  'readline-common',
];

function run(command: string, args: readonly string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }));
  });
}

async function pythonDebs(log: (line: string) => void): Promise<string> {
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lvsplay-bench', 'python3-debs');
  await mkdir(dir, { recursive: true });
  const have = (await readdir(dir)).filter((f) => f.endsWith('.deb'));
  const missing = PYTHON_DEBS.filter((p) => !have.some((f) => f.startsWith(`${p}_`)));
  if (missing.length === 0) return dir;
  log(`ansible: apt-get download ${missing.join(' ')} (python3 for the guests, cached in ${dir})`);
  let got = await run('apt-get', ['download', ...missing], dir);
  if (got.code !== 0) {
    await run('apt-get', ['update']);
    got = await run('apt-get', ['download', ...missing], dir);
  }
  if (got.code !== 0) throw new Error(`apt-get download ${missing.join(' ')} failed: ${got.stderr}`);
  return dir;
}

function installDebs(access: SshAccess, dir: string): Promise<void> {
  const remote =
    'rm -rf /tmp/bench-debs && mkdir /tmp/bench-debs && tar -C /tmp/bench-debs -xf - && ' +
    // Pre-Depends chain: python3 needs python3-minimal configured, which needs python3.11-minimal configured.
    'cd /tmp/bench-debs && { dpkg -i $(ls *.deb | grep -v -e "^python3_" -e "^python3-minimal_") && dpkg -i python3-minimal_*.deb && dpkg -i python3_*.deb; } ' +
    '> /tmp/bench-dpkg.log 2>&1; rc=$?; cd /; rm -rf /tmp/bench-debs; [ $rc = 0 ] || tail -20 /tmp/bench-dpkg.log >&2; exit $rc';
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ssh = spawn('ssh', [...sshArgs(access), remote], { stdio: [tar.stdout, 'ignore', 'pipe'] });
    let stderr = '';
    ssh.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    ssh.on('error', reject);
    ssh.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`installing python3 on port ${access.port} failed (exit ${code}): ${stderr}`))));
  });
}

export async function ensureGuestPython(lab: AnyLab, hosts: readonly string[], log: (line: string) => void): Promise<void> {
  const dir = await pythonDebs(log);
  const started = performance.now();
  await Promise.all(
    hosts.map(async (host) => {
      if ((await lab.ssh(host as Managed, 'command -v python3')).code === 0) return;
      await installDebs(lab.access[host as Managed], dir);
      const check = await lab.ssh(host as Managed, 'python3 -c "import json, zipfile, hashlib; print(1)"');
      if (check.code !== 0) throw new Error(`${host}: python3 does not work after dpkg -i: ${check.stderr}`);
    }),
  );
  log(`ansible: python3 installed in ${hosts.join(', ')} in ${((performance.now() - started) / 1000).toFixed(0)} s (not timed)`);
}

type AnsibleConfig = 'defaults' | 'tuned';

interface AnsibleRun {
  readonly seconds: number;
  readonly code: number;
  readonly stdout: string;
  readonly recap: Map<string, RecapLine>;
}

function ansiblePlaybook(config: AnsibleConfig, inventory: string, controlDir: string, localTmp: string): Promise<AnsibleRun> {
  const env = {
    ...process.env,
    ANSIBLE_CONFIG: join(ANSIBLE_DIR, `${config}.cfg`),
    ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
    ANSIBLE_LOCAL_TEMP: localTmp,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
  };
  return new Promise((resolve) => {
    const started = performance.now();
    execFile('ansible-playbook', ['-i', inventory, join(ANSIBLE_DIR, 'site.yml')], { cwd: ANSIBLE_DIR, env, maxBuffer: 64 << 20, timeout: 15 * 60_000 }, (error, stdout, stderr) => {
      const seconds = (performance.now() - started) / 1000;
      resolve({ seconds, code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout: `${stdout}\n${stderr}`, recap: parseAnsibleRecap(stdout) });
    });
  });
}

/** Ends the ControlPersist masters Ansible left in `controlDir` (they are this process's children's). */
async function endControlMasters(controlDir: string): Promise<void> {
  if (!existsSync(controlDir)) return;
  for (const socket of await readdir(controlDir)) {
    await run('ssh', ['-o', `ControlPath=${join(controlDir, socket)}`, '-O', 'exit', 'bench-control-master']);
  }
  await rm(controlDir, { recursive: true, force: true });
}

function ansibleChanged(recap: ReadonlyMap<string, RecapLine>): number {
  return [...recap.values()].reduce((sum, r) => sum + r.changed, 0);
}

function checkAnsibleRun(result: AnsibleRun, hosts: readonly string[], what: string): void {
  const bad = hosts.filter((h) => {
    const r = result.recap.get(h);
    return !r || r.failed > 0 || r.unreachable > 0;
  });
  if (result.code !== 0 || bad.length > 0) {
    throw new Error(`${what}: ansible-playbook exited ${result.code}${bad.length ? `, failing ${bad.join(', ')}` : ''}:\n${result.stdout.slice(-6000)}`);
  }
}

/** Which real server answered each request to the VIP, from the client. */
export async function curlAnswers(lab: AnyLab, vip: string, count = 6): Promise<string[]> {
  const loop = `for i in $(seq ${count}); do curl -s --max-time 5 http://${vip}/ || echo FAILED; done`;
  const result = await lab.ssh('client', loop, { timeoutMs: 120_000 });
  return result.stdout
    .trim()
    .split('\n')
    .map((l) => l.trim());
}

export async function assertServes(lab: AnyLab, vip: string, what: string): Promise<void> {
  const seen = await curlAnswers(lab, vip);
  const ok = seen.every((w) => w === 'rs1' || w === 'rs2') && seen.includes('rs1') && seen.includes('rs2');
  if (!ok) throw new Error(`${what}: curl ${vip} from the client got ${seen.join(', ')}, not rs1 and rs2`);
}

// ---------------------------------------------------------------------------------------------------------
// The tier.
// ---------------------------------------------------------------------------------------------------------

const VIP = '192.168.10.100';

export interface LabTierOptions extends TierOptions {
  /** `noop`: only the converge and the no-op figures, direct and through a bastion (no floors, profile or Ansible). */
  readonly only?: 'noop';
}

export async function runLabTier(options: LabTierOptions): Promise<TierReport> {
  const repeat = Math.max(3, options.repeat);
  const log = options.log;
  const tmp = await mkdtemp(join(tmpdir(), 'lvsplay-bench-lab-'));
  await waitForQuietMachine(log);
  log('lab tier: starting the dr lab (5 VMs)');
  const lab = await startLab('dr');
  const monitor = new ContentionMonitor(lab.dir);
  try {
    await waitForSettledLab(log);
    monitor.start();
    const report = await labTier(lab, tmp, repeat, log, options.only);
    const contention = monitor.stop();
    return { ...report, setup: `${report.setup}; ${contention.summary}`, counts: { ...report.counts, ...contention.counts } };
  } finally {
    monitor.stop();
    await lab.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

async function labTier(lab: AnyLab, tmp: string, repeat: number, log: (line: string) => void, only?: 'noop'): Promise<TierReport> {
  const inventory = await writeLabInventory(tmp, 'dr', lab.access);
  const knownHosts = join(tmp, 'known_hosts');
  await writeFile(knownHosts, '');
  const model = await loadInventory(inventory);
  const managed = model.hosts.map((h) => h.name);
  const bare = new Map(await Promise.all(managed.map(async (h) => [h, await hostState(lab, h)] as const)));
  await ensureGuestPython(lab, managed, log);

  const run = (extra: readonly string[] = []) => ['run', inventory, '--known-hosts', knownHosts, '--accept-new-host-keys', ...extra];
  const measurements: Measurement[] = [];

  // lvsplay, first converge from bare hosts: undone (not rebooted) before each repetition; where its time
  // goes, stage by stage, as the engine told it in each repetition.
  const firstStages: RunPhases[] = [];
  const first = await measureWithSetup(
    'lvsplay first converge, bare hosts',
    repeat,
    () => undoToBare(lab, bare),
    async () => {
      const { run: r, hosts, phases } = await lvsplayOk(run(), 'lvsplay first converge');
      keepStages(firstStages, phases, log);
      const notChanged = hosts.filter((h) => h.status !== 'changed').map((h) => `${h.host} ${h.status}`);
      if (notChanged.length > 0) throw new Error(`lvsplay first converge left hosts unchanged: ${notChanged.join(', ')}`);
      return r.peakRssMb !== undefined ? { peakRssMb: r.peakRssMb } : undefined;
    },
    log,
    {
      hosts: managed.length,
      note: 'each repetition from bare hosts: an undo script removed what the previous run did (files, units, VIPs, sysctls, IPVS table, ip_vs), checked against the state at boot; no reboot',
    },
  );
  measurements.push(first, ...phaseMeasurements('lvsplay first converge', firstStages));
  await assertServes(lab, VIP, 'after lvsplay first converge');

  // The quick figures get more repetitions: they are cheap, and the VMs make them noisy.
  const quick = Math.max(repeat, 5);
  const noopStages: RunPhases[] = [];
  const noop = await measureWithSetup(
    'lvsplay no-op',
    quick,
    async () => {},
    async () => {
      const { run: r, hosts, phases } = await lvsplayOk(run(), 'lvsplay no-op');
      keepStages(noopStages, phases, log);
      if (changedItems(hosts) !== 0) throw new Error(`lvsplay no-op changed ${changedItems(hosts)} items`);
      return r.peakRssMb !== undefined ? { peakRssMb: r.peakRssMb } : undefined;
    },
    log,
    { hosts: managed.length },
  );
  measurements.push(noop, ...phaseMeasurements('lvsplay no-op', noopStages));

  // The same no-op with lvs, rs1 and rs2 reached at their lab addresses through one bastion, the router
  // (issue 13): one connection to it, opened once per run and shared by the three.
  const bastion = await bastionVariant(tmp, lab);
  const viaBastion = await measureWithSetup(
    'lvsplay no-op, 3 hosts through one bastion',
    quick,
    async () => {},
    async () => {
      const { run: r, hosts } = await lvsplayOk(bastion.run, 'lvsplay no-op through the router as bastion');
      if (changedItems(hosts) !== 0) throw new Error(`lvsplay no-op through the bastion changed ${changedItems(hosts)} items`);
      return r.peakRssMb !== undefined ? { peakRssMb: r.peakRssMb } : undefined;
    },
    log,
    { hosts: managed.length, note: `router direct; lvs, rs1, rs2 at their lab addresses with ProxyJump to the router (${bastion.describe})` },
  );
  measurements.push(viaBastion);
  const bastionRatio = `lvsplay no-op through one bastion ${fmt(viaBastion)} / direct ${fmt(noop)} = ${(viaBastion.median / noop.median).toFixed(2)}x by median`;
  log(`  ${bastionRatio}`);
  if (only === 'noop') {
    return {
      tier: 'lab',
      setup: `seed 4.2 DR lab (test/lab, startLab('dr')): 5 QEMU VMs on this machine's 2 cores, 4 managed hosts; only the converge and no-op figures (--only noop); ${repeat} repetitions each`,
      measurements,
      targets: [{ target: 'lab no-op through one bastion, against direct (issue 13: reported, no limit)', measured: bastionRatio, met: true }],
    };
  }

  // lvsplay's fixed cost without any SSH: Node, jiti, the modules, loading and rendering the inventory.
  const renderDir = join(tmp, 'render');
  const render = await measureWithSetup(
    'lvsplay render (no SSH: start-up + inventory)',
    quick,
    () => rm(renderDir, { recursive: true, force: true }),
    async () => {
      const r = await timedLvsplay(['render', inventory, '--out', renderDir]);
      if (r.code !== 0) throw new Error(`lvsplay render exited ${r.code}: ${r.stderr}`);
    },
    log,
    { note: 'what every run pays before its first connection' },
  );
  measurements.push(render);
  measurements.push(...(await profileLvsplay([...run(), '--json'], 'lvsplay no-op', join(tmp, 'prof-noop'), log)));

  // The floors, on the converged hosts (the facts script's output is what a no-op reads).
  const targets = await floorTargets(inventory, lab.access);
  const openssh = await measure('floor: OpenSSH, facts script', quick, () => opensshFloor(targets), {
    hosts: targets.length,
    note: `${targets.length} ssh processes at once, each running lvsplay's facts script for its host`,
  });
  log(`  ${openssh.name}: ${fmt(openssh)}`);
  const nodeSsh = await measure('floor: node-ssh, facts script', quick, () => nodeSshFloor(targets), {
    hosts: targets.length,
    note: 'one Node process, connect + one exec of the facts script per host, all at once',
  });
  log(`  ${nodeSsh.name}: ${fmt(nodeSsh)}`);
  measurements.push(openssh, nodeSsh);

  // Ansible, defaults then tuned: first run from bare hosts, then no-op runs.
  const ansibleInv = join(tmp, 'ansible-hosts.yml');
  await writeFile(ansibleInv, ansibleInventory(model.hosts.map((h) => ({ name: h.name, roles: h.roles, access: lab.access[h.name as Managed] }))));
  const ansible: Record<AnsibleConfig, { first: Measurement; noop: Measurement }> = {} as never;
  const differences: Partial<Record<AnsibleConfig, string[]>> = {};
  for (const config of ['defaults', 'tuned'] as const) {
    const controlDir = join(tmp, `cp-${config}`);
    const localTmp = join(tmp, `ansible-local-${config}`);
    try {
      const firstRun = await measureWithSetup(
        `ansible-playbook ${config}, first run`,
        repeat,
        async () => {
          // A first run opens its connections: no ControlPersist master left from the previous repetition.
          await endControlMasters(controlDir);
          await undoToBare(lab, bare);
        },
        async (rep) => {
          const result = await ansiblePlaybook(config, ansibleInv, controlDir, localTmp);
          checkAnsibleRun(result, managed, `ansible ${config} first run`);
          if (ansibleChanged(result.recap) === 0) throw new Error(`ansible ${config} first run changed nothing`);
          if (rep > 0) return;
          return {
            verify: async () => {
              differences[config] = await differencesFromLvsplay(lab, run, `after ansible-playbook ${config}'s first run`);
              if (differences[config]!.length > 0) log(`  NOT EQUIVALENT after ansible ${config}: ${differences[config]!.join('; ')}`);
            },
          };
        },
        log,
        { hosts: managed.length, note: 'from bare hosts (same undo as lvsplay), no ControlPersist master alive at start' },
      );
      const noopRun = await measureWithSetup(
        `ansible-playbook ${config}, no-op`,
        repeat,
        async () => {},
        async () => {
          const result = await ansiblePlaybook(config, ansibleInv, controlDir, localTmp);
          checkAnsibleRun(result, managed, `ansible ${config} no-op`);
          const changed = ansibleChanged(result.recap);
          if (changed !== 0) throw new Error(`ansible ${config} no-op reported changed=${changed}:\n${result.stdout.slice(-4000)}`);
        },
        log,
        { hosts: managed.length, note: "right after the previous run, so ControlPersist masters are warm (Ansible's best case)" },
      );
      ansible[config] = { first: firstRun, noop: noopRun };
      measurements.push(firstRun, noopRun);
    } finally {
      await endControlMasters(controlDir);
    }
  }

  const floor = lowerFloor(openssh, nodeSsh);
  const targetsMet: TargetCheck[] = [
    ratioTarget(
      'lab no-op ≤ 1.5x the floor',
      noop,
      floor,
      1.5,
      `lvsplay no-op is ${(noop.median - floor.median).toFixed(2)} s over the floor by median; lvsplay render, which opens no connection ` +
        `(Node + jiti + modules + inventory), alone takes ${render.median.toFixed(2)} s. Stage by stage, as the engine told it (median repetition): ` +
        `${describePhases(medianRun(noopStages))}; see the cpu profile lines`,
    ),
    ratioTarget(
      'lab first converge ≤ 3x the floor',
      first,
      floor,
      3,
      `first converge is start-up (lvsplay render ${render.median.toFixed(2)} s), then per host, all hosts at once, a connection, the facts round trip ` +
        `and one apply round trip (read-back included). Stage by stage, as the engine told it (median repetition): ${describePhases(medianRun(firstStages))}`,
    ),
    (() => {
      const speedup = ansible.tuned.noop.median / noop.median;
      const met = speedup >= 10;
      return {
        target: 'lab no-op ≥ 10x faster than tuned Ansible no-op',
        measured: `${ansible.tuned.noop.name} ${fmt(ansible.tuned.noop)} / lvsplay no-op ${fmt(noop)} = ${speedup.toFixed(1)}x by median (${(ansible.tuned.noop.min / noop.min).toFixed(1)}x by min)`,
        met,
        ...(!met && { note: 'tuned Ansible is closer than 10x on these hosts' }),
      };
    })(),
    ...(['defaults', 'tuned'] as const).map((config): TargetCheck => {
      const differ = differences[config] ?? ['not checked'];
      return {
        target: `the Ansible playbook (${config}) is equivalent to lvsplay: after its first run lvsplay --check changes nothing and the VIP serves`,
        measured: differ.length === 0 ? 'lvsplay --check: every item ok on all 4 hosts; curl VIP answered by rs1 and rs2' : differ.join('; '),
        met: differ.length === 0,
        ...(differ.length > 0 && { note: 'bench/ansible/ no longer renders what lvsplay render gives: update it (the Ansible figures are not comparable until then)' }),
      };
    }),
  ];
  return {
    tier: 'lab',
    setup: `seed 4.2 DR lab (test/lab, startLab('dr')): 5 QEMU VMs (TCG, 1 vCPU, 320 MB) on this machine's 2 cores, 4 managed hosts (router, lvs, rs1, rs2) over forwarded ssh ports; lvsplay CLI (node ${process.version}) run --json as bin/lvsplay.js runs it, observed (bench/lib/observed-lvsplay.js: the engine's events and round trips timed in its own process); ansible-core ${await ansibleVersion()} with bench/ansible/site.yml (defaults.cfg, tuned.cfg), python3 ${PYTHON_DEBS.length} Debian packages installed in the guests for it (not timed); ${repeat} repetitions each`,
    measurements,
    targets: targetsMet,
  };
}

/**
 * The lab inventory with lvs, rs1 and rs2 behind the router: each at its own lab address, `proxyJump` to
 * an alias that a generated ssh config (`--ssh-config`) resolves to the router's forwarded port and the lab key.
 */
async function bastionVariant(tmp: string, lab: AnyLab): Promise<{ run: string[]; describe: string }> {
  const dir = join(tmp, 'bastion');
  await mkdir(dir, { recursive: true });
  const router = lab.access.router;
  const config = join(dir, 'ssh_config');
  await writeFile(config, bastionSshConfig({ alias: 'lab-bastion', address: router.host, port: router.port, user: router.user, privateKey: router.privateKey }), { mode: 0o600 });
  const behind = (host: 'lvs' | 'rs1' | 'rs2') => {
    const address = topologies.dr.vms[host].nics[0].address.split('/')[0]!;
    return { host: address, port: 22, user: 'root', privateKey: lab.access[host].privateKey, proxyJump: 'lab-bastion' };
  };
  const access = { router, lvs: behind('lvs'), rs1: behind('rs1'), rs2: behind('rs2') } as unknown as Readonly<Record<string, SshAccess>>;
  const inventory = await writeLabInventory(dir, 'dr', access, { name: 'bastion' });
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, '');
  return { run: ['run', inventory, '--known-hosts', knownHosts, '--accept-new-host-keys', '--ssh-config', config], describe: `lab-bastion = ${router.user}@${router.host}:${router.port}` };
}

/**
 * After Ansible's first run, lvsplay --check must find nothing to change (files by content and mode,
 * sysctls, addresses, units, module, IPVS table) and the VIP must serve: then the playbook is equivalent.
 * Returns the differences (none when equivalent).
 */
async function differencesFromLvsplay(lab: AnyLab, run: (extra?: readonly string[]) => string[], what: string): Promise<string[]> {
  const { hosts } = await lvsplayOk(run(['--check']), `lvsplay --check ${what}`);
  // The manifest is lvsplay's own record of what it made on a host, not cluster state: Ansible keeps none.
  const differ = hosts.flatMap((h) => h.items.filter((i) => i.status !== 'ok' && i.kind !== 'manifest').map((i) => `${h.host} ${i.item}: ${i.status} (${i.reason})`));
  const seen = await curlAnswers(lab, VIP);
  if (!(seen.every((w) => w === 'rs1' || w === 'rs2') && seen.includes('rs1') && seen.includes('rs2'))) differ.push(`curl ${VIP} from the client got ${seen.join(', ')}`);
  return differ;
}

async function ansibleVersion(): Promise<string> {
  const v = await run('ansible-playbook', ['--version']);
  return /core ([\d.]+)/.exec(v.stdout)?.[1] ?? 'unknown';
}

// ---------------------------------------------------------------------------------------------------------
// Alone: node --import jiti/register bench/tiers/lab.ts [--repeat N] [--json FILE] [--only noop]
// ---------------------------------------------------------------------------------------------------------

export function tierArgs(argv: readonly string[]): { repeat: number; json?: string; only?: 'noop' } {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const repeat = Number(at('--repeat') ?? 3);
  if (!Number.isInteger(repeat) || repeat < 3) throw new Error('--repeat must be an integer ≥ 3');
  const json = at('--json');
  const only = at('--only');
  if (only !== undefined && only !== 'noop') throw new Error("--only takes 'noop'");
  return { repeat, ...(json && { json }), ...(only && { only }) };
}

export function printReport(report: TierReport, print: (line: string) => void): void {
  print(`\n== ${report.tier} tier\n${report.setup}\n`);
  for (const m of report.measurements) {
    print(
      `${m.name.padEnd(52)} min ${m.min.toFixed(2).padStart(7)} s  median ${m.median.toFixed(2).padStart(7)} s  [${m.seconds.map((s) => s.toFixed(2)).join(', ')}]${m.peakRssMb !== undefined ? `  peak RSS ${m.peakRssMb} MB` : ''}`,
    );
  }
  if (report.counts) for (const [k, v] of Object.entries(report.counts)) print(`${k.padEnd(52)} ${v}`);
  print('');
  for (const t of report.targets) print(`${t.met ? 'MET    ' : 'NOT MET'} ${t.target}: ${t.measured}${t.note ? `\n        ${t.note}` : ''}`);
}

export async function runAlone(runTier: (options: LabTierOptions) => Promise<TierReport>): Promise<void> {
  const args = tierArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const report = await runTier({ repeat: args.repeat, log, ...(args.only && { only: args.only }) });
  printReport(report, (line) => process.stdout.write(`${line}\n`));
  if (args.json) await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runAlone(runLabTier);
}
