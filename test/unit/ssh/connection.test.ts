/**
 * The SSH transport against a real OpenSSH server on 127.0.0.1 (see sshd-fixture.ts), never a fake:
 * host key checks, authentication, exit codes, stdin, time-outs and lost connections as sshd does them.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Port, SshTarget } from '../../../src/inventory/model.ts';
import { connect, type ConnectOptions, type HostConnection } from '../../../src/ssh/connection.ts';
import { OpenConnections } from './open-connections.ts';
import { freePort, restoreEnvAfterEach, startAgent, startSshd, type TestSshd } from './sshd-fixture.ts';

describe('SSH connections to a real sshd', function () {
  // Generous for the hook that may have to apt-get install openssh-server; the tests take ~0.1 s each.
  this.timeout(20_000);
  let sshd: TestSshd;
  let target: SshTarget;
  let cases = 0;
  const open = new OpenConnections();
  const { opened, refusal } = open;

  /** A known_hosts path of its own for each test, in a folder that does not exist yet. */
  function knownHostsFile(): string {
    return join(sshd.dir, `case-${++cases}`, 'known_hosts');
  }

  function options(knownHosts: string, extra: Partial<ConnectOptions> = {}): ConnectOptions {
    return { knownHostsFile: knownHosts, acceptNewHostKeys: false, connectTimeoutMs: 5_000, commandTimeoutMs: 5_000, ...extra };
  }

  async function trustedFile(lines: string[] = [`[127.0.0.1]:${sshd.port} ${sshd.hostKeys.ed25519}`]): Promise<string> {
    const file = knownHostsFile();
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, `${lines.join('\n')}\n`);
    return file;
  }

  before(async function () {
    this.timeout(400_000);
    sshd = await startSshd();
    target = { host: '127.0.0.1', port: sshd.port as Port, user: sshd.user, privateKey: sshd.clientKey };
  });

  afterEach(async () => {
    await open.closeAll();
  });

  after(async () => {
    await open.closeAll();
    await sshd?.stop();
  });

  describe('commands', () => {
    let connection: HostConnection;
    before(async () => {
      connection = await connect(target, options(await trustedFile()), 'rs1');
    });
    after(async () => {
      await connection?.close();
    });

    it('reports stdout, stderr and the exit code exactly, untrimmed', async () => {
      assert.deepEqual(await connection.exec('printf " out \\n\\n"; printf "err\\n" >&2; exit 3'), { code: 3, stdout: ' out \n\n', stderr: 'err\n' });
      assert.deepEqual(await connection.exec('true'), { code: 0, stdout: '', stderr: '' });
    });

    it('sends stdin and then EOF', async () => {
      assert.deepEqual(await connection.exec('cat'), { code: 0, stdout: '', stderr: '' });
      assert.deepEqual(await connection.exec('cat; echo "[done]"', 'line 1\nline 2\n'), { code: 0, stdout: 'line 1\nline 2\n[done]\n', stderr: '' });
    });

    it('carries a large stdin and a large multi-byte output intact', async () => {
      const big = 'é€🚀 lvsplay\n'.repeat(60_000); // ~1.1 MB, characters split across SSH packets
      const result = await connection.exec('sha256sum | cut -d" " -f1; cat /dev/null', big);
      assert.equal(result.stdout.trim(), createHash('sha256').update(big).digest('hex'));
      const echoed = await connection.exec('cat', big);
      assert.equal(echoed.stdout, big);
    });

    it("names the signal that killed a command, with the shell's 128+n code", async () => {
      assert.deepEqual(await connection.exec('kill -TERM $$'), { code: 143, stdout: '', stderr: '', signal: 'SIGTERM' });
    });

    it('runs commands one after another and at once on one connection', async () => {
      const results = await Promise.all([1, 2, 3, 4].map((n) => connection.exec(`echo ${n}`)));
      assert.deepEqual(
        results.map((result) => result.stdout),
        ['1\n', '2\n', '3\n', '4\n'],
      );
    });
  });

  describe('host keys', () => {
    it('refuses a host that known_hosts does not know, and writes nothing', async () => {
      const file = knownHostsFile();
      const error = await refusal(connect(target, options(file), 'rs1'), 'host-key-unknown');
      assert.match(error.message, new RegExp(`^rs1 \\(127\\.0\\.0\\.1:${sshd.port}\\): host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} \\(ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}\\) is unknown`));
      await assert.rejects(stat(file), { code: 'ENOENT' });
    });

    it('accepts it with acceptNewHostKeys, records it (file 600, folder created), then knows it', async () => {
      const file = knownHostsFile();
      const first = await opened(connect(target, options(file, { acceptNewHostKeys: true })));
      assert.equal((await first.exec('echo hi')).stdout, 'hi\n');
      assert.equal(await readFile(file, 'utf8'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeys.ed25519}\n`);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const again = await opened(connect(target, options(file)));
      assert.equal((await again.exec('echo again')).stdout, 'again\n');
    });

    it('records a new host once when several connections accept it at the same time', async () => {
      const file = knownHostsFile();
      await Promise.all(Array.from({ length: 6 }, () => opened(connect(target, options(file, { acceptNewHostKeys: true })))));
      assert.equal(await readFile(file, 'utf8'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeys.ed25519}\n`);
    });

    it('refuses a key that differs from known_hosts, naming the line, even with acceptNewHostKeys', async () => {
      const otherKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDfMae35rl838XDyjie2wKq7MNv+X6kj5wFOwf09kbnf';
      const file = await trustedFile(['# lab', `rs1 ${sshd.hostKeys.ed25519}`, `[127.0.0.1]:${sshd.port} ${otherKey}`]);
      const error = await refusal(connect(target, options(file, { acceptNewHostKeys: true }), 'rs1'), 'host-key-mismatch');
      assert.match(
        error.message,
        new RegExp(
          `^rs1 \\(127\\.0\\.0\\.1:${sshd.port}\\): host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} does not match ${file.replace(/[.]/g, '\\.')} line 3: ` +
            'possible man-in-the-middle, or the host was reinstalled \\(it presented ssh-ed25519 SHA256:',
        ),
      );
      assert.equal((await readFile(file, 'utf8')).split('\n').length, 4, 'known_hosts untouched');
    });

    it("asks for the key type known_hosts has (ECDSA here) rather than the server's first choice", async () => {
      const file = await trustedFile([`[127.0.0.1]:${sshd.port} ${sshd.hostKeys.ecdsa}`]);
      const connection = await opened(connect(target, options(file)));
      assert.equal((await connection.exec('echo ok')).code, 0);
    });

    it('refuses a host known only by a key type it no longer offers, even with acceptNewHostKeys', async () => {
      execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '1024', '-N', '', '-f', join(sshd.dir, `old-rsa-${++cases}`)]);
      const rsa = (await readFile(join(sshd.dir, `old-rsa-${cases}.pub`), 'utf8')).split(' ').slice(0, 2).join(' ');
      const file = await trustedFile([`[127.0.0.1]:${sshd.port} ${rsa}`]);
      const error = await refusal(connect(target, options(file, { acceptNewHostKeys: true })), 'host-key-mismatch');
      assert.match(error.message, /is not in .*, which knows this host only by ssh-rsa keys: not accepted automatically/);
    });

    it('refuses a @revoked host key', async () => {
      const file = await trustedFile([`[127.0.0.1]:${sshd.port} ${sshd.hostKeys.ed25519}`, `@revoked * ${sshd.hostKeys.ed25519}`]);
      const error = await refusal(connect(target, options(file)), 'host-key-revoked');
      assert.match(error.message, /is marked @revoked in .* line 2$/);
    });
  });

  describe('credentials when the target names no key', () => {
    restoreEnvAfterEach(['HOME', 'SSH_AUTH_SOCK']);

    /** An empty home of its own, as HOME, so that the operator's real ~/.ssh never takes part. */
    async function freshHome(): Promise<string> {
      const home = join(sshd.dir, `home-${++cases}`);
      await mkdir(join(home, '.ssh'), { recursive: true });
      process.env.HOME = home;
      delete process.env.SSH_AUTH_SOCK;
      return home;
    }

    it('uses ~/.ssh/id_ed25519', async () => {
      const home = await freshHome();
      await copyFile(sshd.clientKey, join(home, '.ssh', 'id_ed25519'));
      const connection = await opened(connect({ ...target, privateKey: undefined }, options(await trustedFile())));
      assert.equal((await connection.exec('echo key')).stdout, 'key\n');
    });

    it('uses a key held by ssh-agent (SSH_AUTH_SOCK)', async () => {
      await freshHome();
      const agent = await startAgent(sshd.dir, [sshd.clientKey]);
      try {
        process.env.SSH_AUTH_SOCK = agent.socket;
        const connection = await opened(connect({ ...target, privateKey: undefined }, options(await trustedFile())));
        assert.equal((await connection.exec('echo agent')).stdout, 'agent\n');
      } finally {
        await agent.stop();
      }
    });

    it("tries the default key, then the agent, and says so when both are refused, naming the agent's keys by comment", async () => {
      const home = await freshHome();
      await copyFile(sshd.wrongKey, join(home, '.ssh', 'id_ed25519'));
      const agent = await startAgent(sshd.dir, [sshd.wrongKey]);
      try {
        process.env.SSH_AUTH_SOCK = agent.socket;
        const error = await refusal(connect({ ...target, privateKey: undefined }, options(await trustedFile()), 'rs1'), 'auth');
        assert.match(
          error.message,
          new RegExp(`tried key ${home}/\\.ssh/id_ed25519, ssh-agent \\(${agent.socket.replace(/[.]/g, '\\.')}: lvsplay-test \\(ssh-ed25519\\)\\); the server accepts: publickey\\)$`),
        );
      } finally {
        await agent.stop();
      }
    });
  });

  describe('failures before a session', () => {
    const teardown: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const step of teardown.splice(0)) await step();
    });

    it('logs in with a passphrase-protected key opened by the passphrase asked for', async () => {
      const locked = join(sshd.dir, 'locked_client');
      await copyFile(sshd.clientKey, locked);
      execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'secret', '-f', locked]);
      delete process.env.SSH_AUTH_SOCK;
      const connection = await connect({ ...target, privateKey: locked }, { ...options(await trustedFile()), passphrase: async () => 'secret' }, 'rs1');
      try {
        assert.equal((await connection.exec('echo unlocked')).stdout, 'unlocked\n');
      } finally {
        await connection.close();
      }
    });

    it('reports a key the server does not accept as an authentication failure, with what was tried', async () => {
      const error = await refusal(connect({ ...target, privateKey: sshd.wrongKey }, options(await trustedFile()), 'rs1'), 'auth');
      assert.equal(error.message, `rs1 (127.0.0.1:${sshd.port}): authentication failed for user ${sshd.user} (tried key ${sshd.wrongKey}; the server accepts: publickey)`);
    });

    it('reports a missing key file by path, before dialling', async () => {
      const error = await refusal(connect({ ...target, privateKey: join(sshd.dir, 'no-such-key') }, options(await trustedFile())), 'private-key');
      assert.match(error.message, /private key file .*no-such-key does not exist$/);
    });

    it('reports a closed port as refused', async () => {
      const port = (await freePort()) as Port;
      const error = await refusal(connect({ ...target, port }, options(await trustedFile()), 'rs1'), 'refused');
      assert.equal(error.message, `rs1 (127.0.0.1:${port}): connection refused on port ${port}: no SSH server listens there, or a firewall rejects it`);
    });

    it('times out on a server that accepts TCP and never speaks, and hangs up', async () => {
      const silent: Server = createServer();
      const sockets: Socket[] = [];
      // Torn down after the test even if it fails or times out: a socket left open would keep mocha running.
      teardown.push(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      });
      const hungUp = new Promise<void>((resolve) => {
        silent.on('connection', (socket) => {
          sockets.push(socket);
          socket.once('close', () => resolve());
          // Read (and drop) what the client sends, or its hang-up would wait behind the unread bytes.
          socket.resume();
        });
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port as Port;
      // No clock: the reason says the connect time-out fired (not a refusal, nor mocha's time-out), and the
      // server sees the connection closed, so nothing is left waiting on it.
      const error = await refusal(connect({ ...target, port }, options(await trustedFile(), { connectTimeoutMs: 300 })), 'timeout');
      assert.match(error.message, /timed out after 300 ms/);
      await hungUp;
    });
  });

  describe('time-outs and lost connections', () => {
    it('stops a command past commandTimeoutMs with a clear error, and the connection still works', async () => {
      // 2 s, not less: the time-out applies to every command on this connection, and `echo alive` below
      // (and the sleeper writing its pid) must fit in it on a busy machine.
      const connection = await opened(connect(target, options(await trustedFile(), { commandTimeoutMs: 2_000 }), 'rs1'));
      const pidFile = join(sshd.dir, `sleeper-${cases}.pid`);
      const error = await refusal(connection.exec(`echo $$ > ${pidFile}; exec sleep 60`), 'command-timeout');
      try {
        // No clock: the command is still running when exec gives up, so the time-out cut it short.
        const sleeper = Number(await readFile(pidFile, 'utf8'));
        assert.doesNotThrow(() => process.kill(sleeper, 0), 'the command was still running when the time-out fired');
        assert.match(error.message, new RegExp(`^rs1 \\(127\\.0\\.0\\.1:${sshd.port}\\): command timed out after 2000 ms and was stopped \\(echo \\$\\$ > `));
        assert.equal((await connection.exec('echo alive')).stdout, 'alive\n');
      } finally {
        // sshd 9.2 refuses the KILL request on a root session ("session signalling requires privilege
        // separation") and closing a channel without a pty does not stop its command: end it here.
        killQuietly(Number(await readFile(pidFile, 'utf8')));
      }
    });

    it('rejects the running command and every later one when the server side dies', async () => {
      const connection = await opened(connect(target, options(await trustedFile()), 'rs1'));
      // $PPID is the sshd process serving this connection.
      const error = await refusal(connection.exec('kill -KILL $PPID'), 'connection-lost');
      assert.match(error.message, /connection lost while a command ran: the server closed the connection$/);
      // Refused at once, without a command sent: the message is exec's own, not the one of a command cut off.
      const later = await refusal(connection.exec('true'), 'connection-lost');
      assert.match(later.message, /: connection lost: the server closed the connection$/);
    });

    it('closes cleanly, and refuses commands afterwards', async () => {
      const connection = await connect(target, options(await trustedFile()));
      await connection.close();
      await connection.close();
      await refusal(connection.exec('true'), 'connection-lost');
    });
  });
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: this sshd did stop it.
  }
}
