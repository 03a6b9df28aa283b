/**
 * Ctrl-C during `run --check`, end to end: the real CLI against a real sshd on 127.0.0.1 whose
 * sessions wait at a gate (a ForceCommand that holds each session until the test opens the gate),
 * so that the signal lands while facts are being gathered. Only --check runs here: a real run would
 * change this machine.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd, type TestSshd } from '../ssh/sshd-fixture.ts';
import { CliProcess } from './cli-process.ts';
import { DR_HOSTS, drInventory } from './dr-inventory.ts';

describe('interrupting a run', function () {
  // Loading the CLI (jiti) and starting sshd take seconds on a busy machine; nothing here is timed.
  this.timeout(90_000);
  let dir: string;
  let gate: string;
  let sshd: TestSshd | undefined;
  let cli: CliProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-interrupt-'));
    gate = join(dir, 'gate');
    await writeFile(
      join(dir, 'held.sh'),
      // Each session says it is held, waits for the gate to open, then runs what the client asked for. A session
      // that arrives after the test removed its folder (a client stopped at once may still have one under
      // way) ends instead of waiting for ever.
      `touch ${gate}.held.$$ || exit 1\nwhile [ ! -e ${gate}.open ]; do [ -d ${dir} ] || exit 1; sleep 0.05; done\nexec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n`,
    );
    sshd = await startSshd({ config: [`ForceCommand /bin/sh ${join(dir, 'held.sh')}`] });
    const target = `{ host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, privateKey: ${sshd.clientKey} }`;
    await writeFile(
      join(dir, 'inventory.yml'),
      drInventory(() => target),
    );
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeys.ed25519}\n`);
  });

  afterEach(async () => {
    await writeFile(`${gate}.open`, '');
    await cli?.stop();
    cli = undefined;
    await sshd?.stop();
    sshd = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** `run --check` one host at a time, started and held at the gate with its first host's facts. */
  async function heldRun(...extra: string[]): Promise<CliProcess> {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir };
    delete env.SSH_AUTH_SOCK;
    const args = ['run', join(dir, 'inventory.yml'), '--check', '--forks', '1', '--known-hosts', join(dir, 'known_hosts'), ...extra];
    cli = new CliProcess(args, env);
    await cli.until(() => readdirSync(dir).some((name) => name.startsWith('gate.held.')), 'a session reached the gate', 20);
    return cli;
  }

  it('on SIGINT starts no new host, lets the running facts finish, prints the recap naming the interrupted hosts and exits 130', async () => {
    const run = await heldRun();
    run.signal('SIGINT');
    await run.waitFor('stderr', /lvsplay: SIGINT: starting nothing new/);
    await writeFile(`${gate}.open`, '');
    const exit = await run.exited;
    assert.deepEqual(exit, { code: 130, signal: null }, run.stderr);
    assert.match(run.stdout, /^RECAP \(check: nothing was changed; interrupted by SIGINT: nothing new was started after it\)$/m);
    // The first host's facts were under way and finished; the others were never started.
    assert.match(run.stdout, /^router : .* interrupted=0$/m);
    for (const host of ['lvs', 'rs1', 'rs2']) {
      assert.match(run.stdout, new RegExp(`^${host} +: ok=0 would-change=0 unreachable=0 failed=0 not-run=0 interrupted=1$`, 'm'));
      assert.match(run.stdout, new RegExp(`^${host}: interrupted: not started \\(facts not gathered\\); nothing was changed$`, 'm'));
    }
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('on SIGTERM does the same, exits 143, and --json says which hosts were interrupted', async () => {
    const run = await heldRun('--json');
    run.signal('SIGTERM');
    await run.waitFor('stderr', /lvsplay: SIGTERM: starting nothing new/);
    await writeFile(`${gate}.open`, '');
    const exit = await run.exited;
    assert.deepEqual(exit, { code: 143, signal: null }, run.stderr);
    const report = JSON.parse(run.stdout) as { interrupted: string; hosts: { host: string; status: string }[] };
    assert.equal(report.interrupted, 'SIGTERM');
    assert.deepEqual(
      report.hosts.map((h) => h.host),
      DR_HOSTS,
    );
    assert.notEqual(report.hosts[0]!.status, 'interrupted');
    assert.deepEqual(
      report.hosts.slice(1).map((h) => h.status),
      ['interrupted', 'interrupted', 'interrupted'],
    );
  });

  it('on a second SIGINT stops at once, saying no host was part-way through a change, and exits 130', async () => {
    const run = await heldRun();
    run.signal('SIGINT');
    await run.waitFor('stderr', /lvsplay: SIGINT: starting nothing new/);
    run.signal('SIGINT');
    const exit = await run.exited;
    assert.deepEqual(exit, { code: 130, signal: null }, run.stderr);
    assert.match(run.stderr, /^lvsplay: SIGINT again: stopped at once; no host was applying changes, none is part-way$/m);
    assert.doesNotMatch(run.stdout, /RECAP/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});
