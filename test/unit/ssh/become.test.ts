/**
 * Scripts under `become`, for real: a throwaway user (sudo-user-fixture.ts) logs in to a real sshd on
 * 127.0.0.1 and the script runs through this machine's sudo, with the rules each test gives that user.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Port } from '../../../src/inventory/model.ts';
import { BecomeError } from '../../../src/ssh/become-failure.ts';
import { BecomePassword } from '../../../src/ssh/become-password.ts';
import { SUDO } from '../../../src/inventory/become.ts';
import { connect, type HostConnection } from '../../../src/ssh/connection.ts';
import { runRemoteScript, type Elevation, type ScriptResult } from '../../../src/ssh/remote-script.ts';
import { startSshd, type TestSshd } from './sshd-fixture.ts';
import { createSudoUser, sudoUserName, type SudoUser } from './sudo-user-fixture.ts';

describe('become: scripts as root through a real sudo', function () {
  // Generous for the hook that may install openssh-server; nothing here is timed.
  this.timeout(60_000);
  let sshd: TestSshd | undefined;
  let user: SudoUser | undefined;
  let connection: HostConnection | undefined;
  let password: BecomePassword;

  before(async function () {
    this.timeout(400_000);
    const name = sudoUserName();
    sshd = await startSshd({ users: [name], config: ['PermitUserEnvironment PATH'] });
    user = await createSudoUser(name, `${sshd.clientKey}.pub`);
    password = BecomePassword.of(user.password, 'test');
    const knownHosts = join(sshd.dir, 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKeys.ed25519}\n`);
    connection = await connect(
      { host: '127.0.0.1', port: sshd.port as Port, user: name, privateKey: sshd.clientKey },
      { knownHostsFile: knownHosts, acceptNewHostKeys: false, connectTimeoutMs: 10_000, commandTimeoutMs: 30_000 },
      'rs1',
    );
  });

  after(async () => {
    await connection?.close();
    await user?.remove();
    await sshd?.stop();
  });

  const nopasswd = (): Promise<void> => user!.setSudoers([`${user!.name} ALL=(ALL:ALL) NOPASSWD: ALL`]);
  const passwordSudo = (): Promise<void> => user!.setSudoers([`${user!.name} ALL=(ALL:ALL) ALL`]);
  const withPassword = (): Elevation => ({ ...SUDO, password });
  const wrongPassword = (): Elevation => ({ ...SUDO, password: BecomePassword.of(`${user!.password}x`, 'test') });

  function ran(result: ScriptResult): Exclude<ScriptResult, { timedOut: true }> {
    assert.equal(result.timedOut, false);
    return result as Exclude<ScriptResult, { timedOut: true }>;
  }

  async function refusal(elevation: Elevation, script = 'id -u'): Promise<string> {
    const error = await runRemoteScript(connection!, script, 30, elevation).then(
      (result) => new Error(`expected a BecomeError, the script ran: ${JSON.stringify(result)}`),
      (error: unknown) => error,
    );
    assert.ok(error instanceof BecomeError, String(error));
    assert.doesNotMatch(error.message, new RegExp(user!.password), 'the password is not in the message');
    return error.message;
  }

  it('runs as the login user, with the sbin folders on PATH, without become', async () => {
    await nopasswd();
    const result = ran(await runRemoteScript(connection!, 'id -un; echo "$PATH"', 30));
    const [who, path] = result.stdout.split('\n');
    assert.equal(who, user!.name);
    assert.match(path!, /^\/usr\/local\/sbin:\/usr\/sbin:\/sbin:/);
  });

  it('runs as root with NOPASSWD sudo, and the script alone on its stdout and stderr', async () => {
    await nopasswd();
    const result = ran(await runRemoteScript(connection!, 'id -u\necho "$PATH"\necho to-stderr >&2\nnot_a_command_xyz', 30, SUDO));
    assert.equal(result.stdout.split('\n')[0], '0');
    assert.match(result.stdout.split('\n')[1]!, /^\/usr\/local\/sbin:\/usr\/sbin:\/sbin:/);
    // The shell's line numbers are the script's own: the prefix sits on its first line.
    assert.equal(result.stderr, 'to-stderr\nsh: 4: not_a_command_xyz: not found\n');
    assert.equal(result.code, 127);
  });

  it('passes the script exit code through sudo, and a remote time-out', async () => {
    await nopasswd();
    assert.equal(ran(await runRemoteScript(connection!, 'exit 3', 30, SUDO)).code, 3);
    assert.deepEqual(await runRemoteScript(connection!, 'sleep 30', 1, SUDO), { timedOut: true });
  });

  it('runs as root with NOPASSWD sudo when a password is given anyway', async () => {
    await nopasswd();
    assert.equal(ran(await runRemoteScript(connection!, 'id -u; cat', 30, withPassword())).stdout, '0\n');
  });

  it('makes one exec per script, with a password or without, the password on its stdin only', async () => {
    await passwordSudo();
    const execs: { command: string; stdin?: string }[] = [];
    const recorded: HostConnection = {
      host: connection!.host,
      address: connection!.address,
      exec: (command, stdin) => {
        execs.push({ command, ...(stdin !== undefined && { stdin }) });
        return connection!.exec(command, stdin);
      },
      close: async () => undefined,
    };
    assert.equal(ran(await runRemoteScript(recorded, 'id -u', 30, withPassword())).stdout, '0\n');
    await nopasswd();
    assert.equal(ran(await runRemoteScript(recorded, 'id -u', 30, SUDO)).stdout, '0\n');
    assert.equal(execs.length, 2);
    assert.ok(!execs[0]!.command.includes(user!.password));
    assert.ok(execs[0]!.stdin!.startsWith(`${user!.password}\n`));
    assert.ok(!execs[1]!.stdin!.includes(user!.password));
  });

  it('says a password is needed when sudo wants one and none was given', async () => {
    await passwordSudo();
    assert.equal(await refusal(SUDO), 'host rs1: become (sudo) needs a password: give it with --ask-become-pass or LVSPLAY_BECOME_PASSWORD');
  });

  it('runs as root with the right password, reading the whole script after it', async () => {
    await passwordSudo();
    const script = Array.from({ length: 2000 }, (_, i) => `: line ${i}`).join('\n');
    const result = ran(await runRemoteScript(connection!, `${script}\nid -u`, 30, withPassword()));
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, '0\n', '']);
  });

  it('fails clearly after one attempt with a wrong password, and leaves no credential behind', async () => {
    await passwordSudo();
    assert.equal(
      await refusal(wrongPassword()),
      'host rs1: become (sudo): the password was refused (sudo: 1 incorrect password attempt); lvsplay tries it once only, so that a wrong password cannot lock the account',
    );
    // The right password earlier (sudo -k) recorded nothing that lets sudo -n through now.
    assert.match(await refusal(SUDO), /needs a password/);
  });

  it('names a user that is in no sudoers file', async () => {
    await user!.setSudoers([]);
    assert.equal(await refusal(withPassword()), `host rs1: become (sudo): ${user!.name} is not in the sudoers file there, so it may run nothing as root: give it a rule in /etc/sudoers.d`);
  });

  it('names the command sudo does not allow', async () => {
    await user!.setSudoers([`${user!.name} ALL=(ALL:ALL) /usr/bin/id`]);
    assert.match(await refusal(withPassword()), /^host rs1: become \(sudo\): the user may not run '\S*timeout -k 5 30 sh -s' as root: lvsplay runs each script as 'timeout \.\.\. sh -s' through sudo/);
  });

  it('says when sudo is not there', async () => {
    await nopasswd();
    // sshd's PermitUserEnvironment PATH: this login's PATH finds no sudo (and nothing else).
    const environment = join(user!.home, '.ssh', 'environment');
    await writeFile(environment, 'PATH=/nonexistent\n');
    try {
      assert.equal(await refusal(SUDO), 'host rs1: become (sudo): sudo is not installed there (or not on the login PATH)');
    } finally {
      await rm(environment, { force: true });
    }
  });

  it('shows the password in no process list, command line, environment, file, output or log', async () => {
    await passwordSudo();
    const started = join(sshd!.dir, 'started');
    const go = join(sshd!.dir, 'go');
    const since = Date.now();
    const secret = user!.password;
    const script = `touch ${started}\nwhile [ ! -e ${go} ]; do sleep 0.05; done\nid -u`;
    const run = runRemoteScript(connection!, script, 30, withPassword());
    let finished = false;
    void run.finally(() => (finished = true)).catch(() => undefined);
    const seen: string[] = [];
    // From the start (sudo and its askpass helper, when caught) until well after the script runs as root.
    for (let afterStart = 0; afterStart < 20 && !finished; afterStart += existsSync(started) ? 1 : 0) seen.push(await sampleProcesses());
    await writeFile(go, '');
    const result = ran(await run);
    assert.deepEqual([result.code, result.stdout], [0, '0\n']);
    assert.ok(
      seen.some((sample) => sample.includes('sudo -A -k -p /proc/')),
      'the samples saw sudo running: they overlapped the run',
    );
    for (const sample of seen) assert.ok(!sample.includes(secret), 'a process list, command line or environment holds the password');
    assert.ok(!`${result.stdout}${result.stderr}${sshd!.log()}`.includes(secret), 'the output or sshd log holds the password');
    for (const file of await filesChangedSince(since, ['/tmp', '/var/tmp', '/dev/shm', '/run', '/var/log', user!.home])) {
      assert.ok(!(await readFile(file).catch(() => Buffer.alloc(0))).includes(secret), `${file} holds the password`);
    }
  });
});

/** `ps -eo args`, then every process's command line and environment, as one text. */
async function sampleProcesses(): Promise<string> {
  const parts = [execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    for (const file of ['cmdline', 'environ']) {
      // A process may end between the listing and the read.
      parts.push((await readFile(`/proc/${pid}/${file}`).catch(() => Buffer.alloc(0))).toString('utf8').replaceAll('\0', ' '));
    }
  }
  return parts.join('\n');
}

/** Regular files under `roots` (one file system each, as find -xdev) modified since `since` ms, smaller than 1 MB. */
async function filesChangedSince(since: number, roots: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, device: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const info = await stat(path).catch(() => undefined);
      if (!info || info.dev !== device) continue;
      if (entry.isDirectory()) await walk(path, device);
      else if (entry.isFile() && info.mtimeMs >= since - 1_000 && info.size < 1_000_000) found.push(path);
    }
  };
  for (const root of roots) {
    const info = await stat(root).catch(() => undefined);
    if (info) await walk(root, info.dev);
  }
  return found;
}
