/**
 * `run --check` end to end, as CI sees it: the real CLI, its output a pipe, against real sshds on
 * 127.0.0.1 whose sessions each run in a network namespace of their own (netns-host.ts), so that each
 * host's state is the test's: a router with forwarding off, a NAT real server with no default route (a
 * precondition lvsplay must not fix: that host fails), one whose route is right, and a director that
 * nothing answers for. Only --check runs here: a real run would change this machine.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type TestSshd } from '../ssh/sshd-fixture.ts';
import { CliProcess } from './cli-process.ts';
import { sshTarget, startNetnsHost } from './netns-host.ts';

const DIP = '192.168.10.81';

describe('run --check, reported', function () {
  // Loading the CLI (jiti) and starting sshd take seconds on a busy machine; nothing here is timed.
  this.timeout(120_000);
  let dir: string;
  let bare: TestSshd | undefined;
  let converged: TestSshd | undefined;
  let cli: CliProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-check-report-'));
    bare = await startNetnsHost();
    converged = await startNetnsHost(`ip route add default via ${DIP} dev lo onlink`);
    const nobody = `{ host: 127.0.0.1, port: ${await freePort()}, privateKey: ${bare.clientKey} }`;
    await writeFile(
      join(dir, 'inventory.yml'),
      `hosts:
  router: { interfaces: { eth0: 192.168.10.84/24, eth1: 172.16.10.84/24 }, roles: [router], ssh: ${sshTarget(bare)} }
  lvs: { interfaces: { eth0: ${DIP}/24, eth1: 172.16.10.81/24 }, roles: [director-nat], ssh: ${nobody} }
  rs1: { interfaces: { eth0: 192.168.10.71/24 }, gateway: ${DIP}, roles: [realserver-nat], ssh: ${sshTarget(bare)} }
  rs2: { interfaces: { eth0: 192.168.10.72/24 }, gateway: ${DIP}, roles: [realserver-nat], ssh: ${sshTarget(converged)} }
services:
  - { vip: 172.16.10.81, port: 80, scheduler: wrr, director: lvs, realServers: [{ host: rs1 }, { host: rs2 }] }
`,
    );
    await writeFile(join(dir, 'known_hosts'), [bare, converged].map((s) => `[127.0.0.1]:${s.port} ${s.hostKeys.ed25519}\n`).join(''));
  });

  afterEach(async () => {
    await cli?.stop();
    cli = undefined;
  });

  after(async () => {
    await bare?.stop();
    await converged?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function lvsplay(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir };
    delete env.SSH_AUTH_SOCK;
    cli = new CliProcess(['run', join(dir, 'inventory.yml'), '--known-hosts', join(dir, 'known_hosts'), ...args], env);
    const { code } = await cli.exited;
    return { code, stdout: cli.stdout, stderr: cli.stderr };
  }

  describe('on a pipe (CI)', () => {
    it('logs each item once with its final status, each host once per stage, and never ✔ for a failed host', async () => {
      const run = await lvsplay('--check');
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stderr, '');
      const log = run.stdout.slice(0, run.stdout.indexOf('RECAP'));
      assert.doesNotMatch(log, /❯/);
      const sections = sectionsOf(log);
      assert.deepEqual([...sections.keys()], ['Gather facts from 4 hosts', 'Check routers', 'Check real servers', 'Check directors']);
      // Facts come in as each host answers, in the network's order.
      const facts = sections.get('Gather facts from 4 hosts')!;
      assert.equal(facts.length, 4, facts.join('\n'));
      assertLines(linesOf(facts, 'router'), ['  router: facts gathered, 3 to change']);
      assertLines(linesOf(facts, 'rs1'), ['  rs1: facts gathered, nothing to change']);
      assertLines(linesOf(facts, 'rs2'), ['  rs2: facts gathered, nothing to change']);
      assertLines(linesOf(facts, 'lvs'), [/^ {2}✖ lvs: unreachable: lvs \(127\.0\.0\.1:\d+\): connection refused /]);
      assertLines(sections.get('Check routers')!, [
        '  router: would change: file /etc/sysctl.d/90-lvsplay-router.conf (missing)',
        '  router: would change: sysctl net.ipv4.ip_forward = 1 (net.ipv4.ip_forward is 0, wants 1)',
        // A host lvsplay has not yet recorded what it made on.
        '  router: would change: manifest /var/lib/lvsplay/manifest.json (missing: records the 2 things the inventory owns here now)',
        '  ✔ router: would change (ok=0 would-change=3 failed=0 not-run=0)',
      ]);
      // The real servers are checked at once: each one's lines come together, in either order.
      const realServers = sections.get('Check real servers')!;
      assert.equal(realServers.length, 4, realServers.join('\n'));
      assertLines(linesOf(realServers, 'rs1'), [new RegExp(`^ {2}rs1: failed: default route via ${DIP} \\(.*missing.*\\)$`), '  ✖ rs1: failed (ok=0 would-change=0 failed=1 not-run=0)']);
      assertLines(linesOf(realServers, 'rs2'), [`  rs2: ok: default route via ${DIP} (default route via ${DIP})`, '  ✔ rs2: ok (ok=1 would-change=0 failed=0 not-run=0)']);
      assertLines(sections.get('Check directors')!, ['  ↓ lvs: skipped, unreachable earlier']);
      for (const failed of ['rs1', 'lvs'])
        assert.ok(
          linesOf(log.split('\n'), failed).every((line) => !line.includes('✔')),
          log,
        );
    });
  });

  describe('--detailed-exitcode', () => {
    const limit = (...hosts: string[]): string[] => hosts.flatMap((host) => ['--limit', host]);

    it('exits 0 when no host has anything to change', async () => {
      const run = await lvsplay('--check', '--detailed-exitcode', ...limit('rs2'));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /^rs2 +: ok=1 would-change=0 unreachable=0 failed=0 not-run=0$/m);
    });

    it('exits 3 when some host has changes pending and none failed; without the flag such a check exits 0', async () => {
      const detailed = await lvsplay('--check', '--detailed-exitcode', ...limit('router', 'rs2'));
      assert.equal(detailed.code, 3, detailed.stdout + detailed.stderr);
      assert.match(detailed.stdout, /^router +: ok=0 would-change=3 /m);
      assert.equal(detailed.stderr, '');
      const plain = await lvsplay('--check', ...limit('router', 'rs2'));
      assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    });

    it('still exits 1 when a host failed or was unreachable, changes pending or not', async () => {
      for (const hosts of [['router', 'rs1'], ['router', 'lvs'], ['rs1']]) {
        const run = await lvsplay('--check', '--detailed-exitcode', ...limit(...hosts));
        assert.equal(run.code, 1, `${hosts.join(', ')}:\n${run.stdout}${run.stderr}`);
      }
    });

    it('leaves --json as it was: the same report, exit 3 when changes are pending', async () => {
      const detailed = await lvsplay('--check', '--json', '--detailed-exitcode', ...limit('router', 'rs2'));
      const plain = await lvsplay('--check', '--json', ...limit('router', 'rs2'));
      assert.equal(detailed.code, 3, detailed.stderr);
      assert.equal(plain.code, 0, plain.stderr);
      const withoutRunId = (text: string): unknown => ({ ...(JSON.parse(text) as object), runId: undefined });
      assert.deepEqual(withoutRunId(detailed.stdout), withoutRunId(plain.stdout));
      assert.deepEqual(
        (JSON.parse(detailed.stdout) as { hosts: { status: string }[] }).hosts.map((h) => h.status),
        ['changed', 'ok'],
      );
    });

    it('is refused without --check, before the inventory is read: exit 2, one line, and a JSON usage error with --json', async () => {
      for (const inventory of [join(dir, 'inventory.yml'), join(dir, 'missing.yml')]) {
        cli = new CliProcess(['run', inventory, '--detailed-exitcode']);
        assert.deepEqual(await cli.exited, { code: 2, signal: null }, cli.stderr);
        assert.equal(cli.stderr, "error: option '--detailed-exitcode' only works with '--check' (a run without --check leaves no changes pending)\n");
        assert.equal(cli.stdout, '');
      }
      cli = new CliProcess(['run', join(dir, 'inventory.yml'), '--detailed-exitcode', '--json']);
      assert.deepEqual(await cli.exited, { code: 2, signal: null }, cli.stderr);
      assert.deepEqual(JSON.parse(cli.stdout), {
        error: { kind: 'usage', message: "option '--detailed-exitcode' only works with '--check' (a run without --check leaves no changes pending)" },
      });
    });
  });
});

/** The log's lines under each stage's heading (the lines that do not start with a space). */
function sectionsOf(log: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of log.split('\n').filter((l) => l !== '')) {
    if (line.startsWith(' ')) current.push(line);
    else sections.set(line, (current = []));
  }
  return sections;
}

function linesOf(lines: readonly string[], host: string): string[] {
  return lines.filter((line) => new RegExp(`^ +(✔ |✖ |↓ )?${host}:`).test(line));
}

/** Exactly these lines, in this order: a string is the whole line, a pattern matches it. */
function assertLines(actual: readonly string[], expected: readonly (string | RegExp)[]): void {
  const said = `got:\n${actual.join('\n')}`;
  assert.equal(actual.length, expected.length, said);
  expected.forEach((want, index) => {
    if (typeof want === 'string') assert.equal(actual[index], want, said);
    else assert.match(actual[index]!, want, said);
  });
}
