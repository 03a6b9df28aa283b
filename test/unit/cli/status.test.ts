/**
 * `lvsplay status` end to end against a real sshd on 127.0.0.1 whose sessions each run in a network namespace
 * of their own, as a DR director: 192.168.10.71 (rs1) is on its lo with a listener on port 80
 * (listening-host.mjs), 192.168.10.72 (rs2) has no route. Here ip_vs is not loaded and ipvsadm not
 * installed, which status must say, without loading anything; the live numbers are the lab's to test.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desiredState } from '../../../roles/index.ts';
import { statusCommand, type StatusCommandOptions } from '../../../src/commands/status.ts';
import type { Dial } from '../../../src/run/host-run.ts';
import { BastionPool } from '../../../src/ssh/bastions.ts';
import { connect, type HostConnection } from '../../../src/ssh/connection.ts';
import { freePort, startSshd, type TestSshd } from '../ssh/sshd-fixture.ts';
import { CliProcess, ROOT } from './cli-process.ts';
import { drInventory } from './dr-inventory.ts';
import { sshTarget } from './netns-host.ts';

const LISTENER = join(ROOT, 'test/unit/cli/listening-host.mjs');

describe('lvsplay status against a director on loopback', function () {
  // Loading the CLI (jiti) and starting sshd take seconds on a busy machine; nothing here is timed.
  this.timeout(120_000);
  let dir: string;
  let director: TestSshd | undefined;
  let cli: CliProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-status-'));
    const setup = `ip link set lo up && ip addr add 192.168.10.71/32 dev lo && exec ${process.execPath} ${LISTENER} 192.168.10.71:80`;
    director = await startSshd({ config: [`ForceCommand exec unshare --map-root-user --net /bin/sh -c '${setup}'`] });
    const unused = await freePort();
    // Only the director is dialled: the other hosts' ssh is never used.
    await writeFile(
      join(dir, 'inventory.yml'),
      drInventory((host) => (host === 'lvs' ? sshTarget(director!) : `{ host: 127.0.0.1, port: ${unused} }`)),
    );
    await writeFile(
      join(dir, 'unreachable.yml'),
      drInventory(() => `{ host: 127.0.0.1, port: ${unused}, privateKey: ${director!.clientKey} }`),
    );
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${director.port} ${director.hostKeys.ed25519}\n`);
  });

  afterEach(async () => {
    await cli?.stop();
    cli = undefined;
  });

  after(async () => {
    await director?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const options = (): StatusCommandOptions => ({ limits: [], json: false, knownHosts: join(dir, 'known_hosts'), acceptNewHostKeys: false, connectTimeout: 15, commandTimeout: 60 });

  /** status in this process, its dials and its remote commands recorded (and made). */
  async function status(inventory: string, extra: Partial<StatusCommandOptions> = {}) {
    const dialled: string[] = [];
    const commands: string[] = [];
    const dial: Dial = async (route, ssh, name, bastions) => {
      assert.ok(bastions instanceof BastionPool, "every dial is given the run's bastion pool");
      dialled.push(`${name} ${route.target.host}:${route.target.port}`);
      const connection = await connect(route, ssh, name, bastions);
      const recorded: HostConnection = {
        host: connection.host,
        address: connection.address,
        exec: (script, stdin) => {
          commands.push(script);
          return connection.exec(script, stdin);
        },
        close: () => connection.close(),
      };
      return recorded;
    };
    const out: string[] = [];
    const err: string[] = [];
    const output = { stdout: (text: string) => void out.push(text), stderr: (text: string) => void err.push(text), terminal: false };
    const end = await statusCommand(join(dir, inventory), { ...options(), ...extra }, output, { roles: async () => desiredState, dial });
    return { end, stdout: out.join(''), stderr: err.join(''), dialled, commands };
  }

  it('reads the director in one round trip: IPVS not loaded, ipvsadm not installed, every real server checked', async () => {
    const run = await status('inventory.yml');
    assert.equal(run.end, 'ok', run.stdout + run.stderr);
    assert.deepEqual(run.dialled, [`lvs 127.0.0.1:${director!.port}`]);
    assert.deepEqual(run.commands, ['timeout -k 5 60 sh -s']);
    assert.equal(run.stderr, '');
    const lines = run.stdout.split('\n');
    assert.match(lines[0]!, /^lvsplay status .*inventory\.yml at \d{4}-\d\d-\d\dT/);
    assert.deepEqual(lines.slice(1, 12), [
      '',
      'lvs: IPVS not loaded, 1 service, 2 real servers',
      '  drift from the inventory: 1 service missing, 2 real servers missing',
      '  IPVS not loaded (no /proc/net/ip_vs): no service is live; status did not load it',
      '  ipvsadm not installed: no traffic counters',
      '',
      '  tcp 192.168.10.100:80  MISSING (not live)',
      '    real server           weight  active  inactive  conns  conn/s  in B/s  out B/s  tcp                     notes',
      '    rs1 192.168.10.71:80       -       -         -      -       -       -        -  ok                      MISSING (inventory: weight 1)',
      '    rs2 192.168.10.72:80       -       -         -      -       -       -        -  Network is unreachable  MISSING (inventory: weight 1)',
      '',
    ]);
  });

  it('--json: the same reading for machines', async () => {
    cli = new CliProcess(['status', join(dir, 'inventory.yml'), '--json', '--known-hosts', join(dir, 'known_hosts')], { ...process.env, HOME: dir });
    const exit = await cli.exited;
    assert.equal(exit.code, 0, cli.stderr);
    const report = JSON.parse(cli.stdout) as {
      directors: {
        host: string;
        state: string;
        ipvs: string;
        ipvsadm: string;
        countersUnavailable: string;
        services: { key: string; drift: unknown[]; realServers: { key: string; host: string; tcp: unknown; drift: unknown[]; wanted: unknown }[] }[];
      }[];
    };
    const [lvs] = report.directors;
    assert.deepEqual({ ...lvs, services: undefined }, { host: 'lvs', state: 'read', ipvs: 'not-loaded', ipvsadm: 'not-installed', countersUnavailable: 'IPVS not loaded', services: undefined });
    assert.deepEqual(lvs!.services, [
      {
        key: 'tcp 192.168.10.100:80',
        ownership: 'lvsplay',
        drift: [{ kind: 'missing' }],
        realServers: [
          { key: '192.168.10.71:80', host: 'rs1', tcp: { result: 'ok' }, draining: false, wanted: { forwarding: 'route', weight: 1 }, drift: [{ kind: 'missing' }] },
          {
            key: '192.168.10.72:80',
            host: 'rs2',
            tcp: { result: 'error', reason: 'Network is unreachable' },
            draining: false,
            wanted: { forwarding: 'route', weight: 1 },
            drift: [{ kind: 'missing' }],
          },
        ],
      },
    ]);
  });

  it("--watch reads again over the same connection until Ctrl-C, then exits with the last read's code", async () => {
    cli = new CliProcess(['status', join(dir, 'inventory.yml'), '--watch', '1', '--known-hosts', join(dir, 'known_hosts')], { ...process.env, HOME: dir });
    const accepted = (): number =>
      director!
        .log()
        .split('\n')
        .filter((line) => line.includes('Accepted publickey')).length;
    const before = accepted();
    await cli.until(() => (cli!.stdout.match(/^lvsplay status /gm) ?? []).length >= 2, 'two screens');
    cli.signal('SIGINT');
    const exit = await cli.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, cli.stderr);
    assert.equal(cli.stderr, '');
    // Not a terminal: screens follow each other, with no escape codes.
    assert.doesNotMatch(cli.stdout, /\x1b/);
    assert.equal(accepted() - before, 1);
  });

  it('an unreachable director: named with why, exit 1', async () => {
    const run = await status('unreachable.yml');
    assert.equal(run.end, 'failed');
    assert.match(run.stdout, /^lvs: unreachable: lvs \(127\.0\.0\.1:\d+\): connection refused/m);
    assert.deepEqual(run.commands, []);
  });

  it('--limit naming a host that directs nothing is a command-line error (exit 2)', async () => {
    cli = new CliProcess(['status', join(dir, 'inventory.yml'), '--limit', 'rs1']);
    assert.deepEqual(await cli.exited, { code: 2, signal: null });
    assert.equal(cli.stderr, 'lvsplay: --limit rs1: not a director (directors: lvs)\n');
  });
});
