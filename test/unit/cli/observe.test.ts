/**
 * `RunDeps.observe`: a caller running lvsplay in-process is told every event of the run as it happens, with
 * --json (where nothing else watches) as on a pipe (beside the plain log); and so is the benchmark, which
 * runs lvsplay observed in a process of its own (bench/lib/observed-lvsplay.js) and reads back a timeline.
 * Hosts that refuse the connection on 127.0.0.1, and a real sshd whose session runs in a network namespace
 * of its own (netns-host.ts) for a host with nothing to change, so that a run without --check changes nothing.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { observedArgs, takePhases, timelineFile } from '../../../bench/lib/timeline.ts';
import { desiredState } from '../../../roles/index.ts';
import { runCommand, type RunCommandOptions, type RunDeps } from '../../../src/commands/run.ts';
import type { RunEvent } from '../../../src/report/events.ts';
import type { Dial } from '../../../src/run/host-run.ts';
import { BastionPool } from '../../../src/ssh/bastions.ts';
import { connect } from '../../../src/ssh/connection.ts';
import { freePort, type TestSshd } from '../ssh/sshd-fixture.ts';
import { drInventory } from './dr-inventory.ts';
import { sshTarget, startNetnsHost } from './netns-host.ts';

const DIP = '192.168.10.81';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `lvsplay ARGS` as the benchmark runs it: a process of its own, observed; its exit code, stdout and wall time. */
function observedProcess(timeline: string, args: readonly string[], home: string): Promise<{ code: number; stdout: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, observedArgs(timeline, args), { cwd: ROOT, env: { ...process.env, HOME: home, SSH_AUTH_SOCK: '' } }, (error, stdout) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

/** An event as a line, with what each kind says of its host. */
function line(event: RunEvent): string {
  switch (event.kind) {
    case 'stage':
      return `stage ${event.title} (${event.hosts})`;
    case 'started':
      return `started ${event.host} ${event.work}`;
    case 'planned':
      return `planned ${event.host} ${event.pendingChanges}`;
    case 'finished':
    case 'passed-over':
      return `${event.kind} ${event.result.host} ${event.result.status}`;
  }
}

describe('run, observed (RunDeps.observe): in-process, and as the benchmark runs it', function () {
  this.timeout(120_000);
  let dir: string;
  // rs2 of a NAT cluster whose default route is right: its only item is ok. Its key serves every host.
  let converged: TestSshd | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-observe-'));
    converged = await startNetnsHost(`ip route add default via ${DIP} dev lo onlink`);
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${converged.port} ${converged.hostKeys.ed25519}\n`);
  });

  after(async () => {
    await converged?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const options = (extra: Partial<RunCommandOptions>): RunCommandOptions => ({
    roles: [],
    limits: [],
    check: false,
    diff: false,
    forks: 20,
    json: true,
    knownHosts: join(dir, 'known_hosts'),
    acceptNewHostKeys: false,
    connectTimeout: 5,
    commandTimeout: 60,
    ...extra,
  });

  async function observed(inventory: string, extra: Partial<RunCommandOptions>, dial?: Dial) {
    const events: RunEvent[] = [];
    const out: string[] = [];
    const deps: RunDeps = { roles: async () => desiredState, observe: (event) => events.push(event), ...(dial && { dial }) };
    const end = await runCommand(inventory, options(extra), { stdout: (text) => out.push(text), stderr: (text) => out.push(text) }, deps);
    return { end, events, lines: events.map(line), output: out.join('') };
  }

  describe('hosts that refuse the connection', () => {
    let inventory: string;

    before(async () => {
      const ports = new Map<string, number>();
      for (const host of ['router', 'lvs', 'rs1', 'rs2']) ports.set(host, await freePort());
      inventory = join(dir, 'refused.yml');
      await writeFile(
        inventory,
        drInventory((host) => `{ host: 127.0.0.1, port: ${ports.get(host)}, privateKey: ${converged!.clientKey} }`),
      );
    });

    for (const json of [true, false]) {
      it(`tells each host's start and end of its facts, then passes it over in its stage${json ? ' (--json)' : ', beside the plain log'}`, async function () {
        // Off --json on a terminal, listr2 would draw its tree over the test's output.
        if (!json && process.stdout.isTTY) this.skip();
        const run = await observed(inventory, { json });
        assert.equal(run.end, 'failed');
        const hosts = ['router', 'lvs', 'rs1', 'rs2'];
        assert.equal(run.lines[0], 'stage Gather facts from 4 hosts (4)');
        // Facts are gathered at once, in the network's order: each host starts, then ends unreachable.
        const facts = run.lines.slice(1, 9);
        assert.deepEqual([...facts].sort(), hosts.flatMap((host) => [`finished ${host} unreachable`, `started ${host} facts`]).sort());
        for (const host of hosts) assert.ok(facts.indexOf(`started ${host} facts`) < facts.indexOf(`finished ${host} unreachable`), facts.join('\n'));
        assert.deepEqual(run.lines.slice(9), [
          'stage Apply routers (1)',
          'passed-over router unreachable',
          'stage Apply real servers (2)',
          'passed-over rs1 unreachable',
          'passed-over rs2 unreachable',
          'stage Apply directors (1)',
          'passed-over lvs unreachable',
        ]);
        if (json)
          assert.deepEqual(
            (JSON.parse(run.output) as { hosts: { status: string }[] }).hosts.map((h) => h.status),
            hosts.map(() => 'unreachable'),
          );
        else assert.match(run.output, /^Gather facts from 4 hosts\n(?: {2}✖ \S+: unreachable: .*\n){4}Apply routers\n {2}↓ router: skipped, unreachable earlier\n/);
      });
    }

    it('tells a --check run the same facts events and no apply', async () => {
      const run = await observed(inventory, { check: true, limits: ['rs1'] });
      assert.deepEqual(run.lines, [
        'stage Gather facts from 1 host (1)',
        'started rs1 facts',
        'finished rs1 unreachable',
        'stage Check routers (0)',
        'stage Check real servers (1)',
        'passed-over rs1 unreachable',
        'stage Check directors (0)',
      ]);
    });
  });

  describe('a host with nothing to change', () => {
    let inventory: string;

    before(async () => {
      inventory = join(dir, 'converged.yml');
      await writeFile(
        inventory,
        `hosts:
  lvs: { interfaces: { eth0: ${DIP}/24, eth1: 172.16.10.81/24 }, roles: [director-nat], ssh: { host: 127.0.0.1, port: 1, privateKey: ${converged!.clientKey} } }
  rs2: { interfaces: { eth0: 192.168.10.72/24 }, gateway: ${DIP}, roles: [realserver-nat], ssh: ${sshTarget(converged!)} }
services:
  - { vip: 172.16.10.81, port: 80, scheduler: wrr, director: lvs, realServers: [{ host: rs2 }] }
`,
      );
    });

    it('tells facts started, planned, then apply started and finished, in that order', async () => {
      // The run is not --check: a second script on the host (an apply) is refused here, so that a host
      // found to differ after all would fail the test rather than be changed (the session is root).
      const scripts: string[] = [];
      const dial: Dial = async (route, connectOptions, name, bastions) => {
        assert.ok(bastions instanceof BastionPool, "every dial is given the run's bastion pool");
        const connection = await connect(route, connectOptions, name, bastions);
        return {
          host: connection.host,
          address: connection.address,
          exec: (script, stdin) => {
            scripts.push(script);
            return scripts.length > 1 ? Promise.reject(new Error('the test refuses a second script')) : connection.exec(script, stdin);
          },
          close: () => connection.close(),
        };
      };
      const run = await observed(inventory, { limits: ['rs2'] }, dial);
      assert.equal(run.end, 'ok', run.output);
      assert.equal(scripts.length, 1);
      assert.deepEqual(run.lines, [
        'stage Gather facts from 1 host (1)',
        'started rs2 facts',
        'planned rs2 0',
        'stage Apply routers (0)',
        'stage Apply real servers (1)',
        'started rs2 apply',
        'finished rs2 ok',
        'stage Apply directors (0)',
      ]);
      const finished = run.events.find((event) => event.kind === 'finished');
      assert.equal(finished?.kind === 'finished' && finished.result.items.length, 1);
    });

    it('is timed by the benchmark from the timeline its own process wrote: each host, its connection and its facts round trip', async () => {
      const file = timelineFile();
      const run = await observedProcess(file, ['run', inventory, '--check', '--json', '--known-hosts', join(dir, 'known_hosts')], dir);
      assert.equal(run.code, 1, run.stdout);
      assert.deepEqual(
        (JSON.parse(run.stdout) as { hosts: { host: string; status: string }[] }).hosts.map((h) => `${h.host} ${h.status}`),
        ['lvs unreachable', 'rs2 ok'],
      );
      const phases = takePhases(file, run.seconds);
      assert.ok(phases, 'no timeline');
      assert.equal(existsSync(file), false, 'the timeline file is removed once read');
      const rs2 = phases.hosts.find((h) => h.host === 'rs2')!;
      const lvs = phases.hosts.find((h) => h.host === 'lvs')!;
      assert.ok(rs2.connect! > 0 && rs2.factsRoundTrip! > 0 && rs2.plan! >= 0 && rs2.factsReceived! > 0, JSON.stringify(rs2));
      assert.ok(rs2.connect! + rs2.factsRoundTrip! + rs2.plan! <= rs2.facts + 1e-6, JSON.stringify(rs2));
      // --check applies nothing: no apply, no apply round trip.
      assert.deepEqual([rs2.apply, rs2.applyRoundTrip], [undefined, undefined]);
      assert.ok(lvs.connect !== undefined && lvs.factsRoundTrip === undefined, JSON.stringify(lvs));
      assert.ok(phases.loaded > 0 && phases.loaded < phases.startUp, JSON.stringify(phases));
      assert.ok(phases.outside! > 0 && phases.startUp + phases.factsStage + phases.rollOut + phases.end < run.seconds, JSON.stringify(phases));
    });

    it('gives the benchmark no stages for a command that reaches no host', async () => {
      const file = timelineFile();
      const run = await observedProcess(file, ['validate', inventory], dir);
      assert.equal(run.code, 0, run.stdout);
      assert.equal(takePhases(file, run.seconds), undefined);
      assert.equal(existsSync(file), false);
    });
  });
});
