/**
 * The become password from the command line, end to end: the real CLI asks on a terminal (`script` gives it
 * a pty) with echo off, refuses to ask without one (exit 2), or takes LVSPLAY_BECOME_PASSWORD; the host is a
 * throwaway user with password sudo on a real sshd on 127.0.0.1, a router. Only `run --check` runs (its facts,
 * read-only, as root through sudo): a real run would change this machine.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteAll } from '../../../src/ssh/quote.ts';
import { freePort, startSshd, type TestSshd } from '../ssh/sshd-fixture.ts';
import { createSudoUser, sudoUserName, type SudoUser } from '../ssh/sudo-user-fixture.ts';
import { ROOT } from './cli-process.ts';

const BIN = join(ROOT, 'bin/lvsplay.js');
const PROMPT = 'BECOME password: ';

interface Ended {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the become password on the command line', function () {
  // Loading the CLI (jiti), starting sshd and making a user take seconds on a busy machine; nothing is timed.
  this.timeout(120_000);
  let dir: string;
  let sshd: TestSshd | undefined;
  let user: SudoUser | undefined;
  const running = new Set<ReturnType<typeof spawn>>();

  before(async function () {
    this.timeout(400_000);
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-become-cli-'));
    const name = sudoUserName();
    sshd = await startSshd({ users: [name] });
    user = await createSudoUser(name, `${sshd.clientKey}.pub`);
    await user.setSudoers([`${name} ALL=(ALL:ALL) ALL`]);
    const nobody = `{ host: 127.0.0.1, port: ${await freePort()} }`;
    await writeFile(
      join(dir, 'inventory.yml'),
      `hosts:
  router: { interfaces: { eth0: 192.168.10.84/24, eth1: 172.16.10.84/24 }, roles: [router], become: true, ssh: { host: 127.0.0.1, port: ${sshd.port}, user: ${name}, privateKey: ${sshd.clientKey} } }
  lvs: { interfaces: { eth0: 192.168.10.81/24, eth1: 172.16.10.81/24 }, roles: [director-nat], ssh: ${nobody} }
  rs1: { interfaces: { eth0: 192.168.10.71/24 }, gateway: 192.168.10.81, roles: [realserver-nat], ssh: ${nobody} }
services:
  - { vip: 172.16.10.81, port: 80, director: lvs, realServers: [{ host: rs1 }] }
`,
    );
    // The same without become in the inventory: --become alone turns it on.
    const inventory = await readFile(join(dir, 'inventory.yml'), 'utf8');
    await writeFile(join(dir, 'plain.yml'), inventory.replace('become: true, ', ''));
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeys.ed25519}\n`);
  });

  afterEach(async () => {
    for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    running.clear();
  });

  after(async () => {
    await user?.remove();
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const args = (...extra: string[]): string[] => [BIN, 'run', join(dir, 'inventory.yml'), '--check', '--limit', 'router', '--known-hosts', join(dir, 'known_hosts'), ...extra];

  function environment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, ...extra };
    delete env.SSH_AUTH_SOCK;
    delete env.LVSPLAY_BECOME_PASSWORD;
    return { ...env, ...extra };
  }

  /**
   * The CLI with `stdin` written once `when` shows in its output; `detached` makes it a session leader with
   * no controlling terminal.
   */
  function lvsplay(command: string, argv: readonly string[], options: { env?: NodeJS.ProcessEnv; detached?: boolean; answer?: { when: string; text: string } } = {}): Promise<Ended> {
    const child = spawn(command, argv, { cwd: ROOT, env: options.env ?? environment(), detached: options.detached ?? false, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let answered = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.answer && !answered && stdout.includes(options.answer.when)) {
        answered = true;
        child.stdin!.write(options.answer.text);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }

  /** The CLI in a pty of its own (util-linux `script`), typing `typed` once the prompt shows. */
  function onTerminal(typed: string): Promise<Ended> {
    const command = quoteAll([process.execPath, ...args('--ask-become-pass')]);
    return lvsplay('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], { answer: { when: PROMPT, text: `${typed}\r` } });
  }

  it('asks on the terminal, echoes nothing, and runs through sudo with what was typed', async () => {
    const run = await onTerminal(user!.password);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(run.stdout.includes(PROMPT), run.stdout);
    assert.match(run.stdout, /^router +: ok=\d+ would-change=\d+ unreachable=0 failed=0 not-run=0\r?$/m);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(user!.password), 'the terminal showed the password');
  });

  it("fails the host with sudo's refusal when the password typed is wrong, after one attempt", async () => {
    const run = await onTerminal(`${user!.password}x`);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /router: failed: host router: become \(sudo\): the password was refused \(sudo: 1 incorrect password attempt\)/);
  });

  it('exits 2 without a terminal to ask on, before connecting to any host', async () => {
    const run = await lvsplay(process.execPath, args('--ask-become-pass'), { detached: true });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr, 'lvsplay: --ask-become-pass asks on a terminal, and this process has none: give the password in LVSPLAY_BECOME_PASSWORD instead\n');
    assert.equal(run.stdout, '');
  });

  it('takes the password from LVSPLAY_BECOME_PASSWORD, and shows it nowhere', async () => {
    const run = await lvsplay(process.execPath, args(), { env: environment({ LVSPLAY_BECOME_PASSWORD: user!.password }) });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^router +: ok=\d+ would-change=\d+ unreachable=0 failed=0 not-run=0$/m);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(user!.password));
  });

  it('fails the host with what to do when sudo wants a password and none was given', async () => {
    const run = await lvsplay(process.execPath, args());
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /router: failed: host router: become \(sudo\) needs a password: give it with --ask-become-pass or LVSPLAY_BECOME_PASSWORD/);
  });

  it('--become turns sudo on for a host whose inventory says nothing of it', async () => {
    const plain = (...extra: string[]): string[] => args(...extra).map((arg) => (arg === join(dir, 'inventory.yml') ? join(dir, 'plain.yml') : arg));
    const asUser = await lvsplay(process.execPath, plain());
    assert.match(asUser.stdout, /^router +: .* unreachable=0 /m, asUser.stdout + asUser.stderr);
    assert.doesNotMatch(asUser.stdout, /become/, 'without --become the host runs as its SSH user');
    const forced = await lvsplay(process.execPath, plain('--become'));
    assert.equal(forced.code, 1, forced.stdout + forced.stderr);
    assert.match(forced.stdout, /router: failed: host router: become \(sudo\) needs a password/);
  });
});
