/**
 * ProxyJump against real OpenSSH servers on 127.0.0.1 (sshd-fixture.ts): targets reached through one
 * bastion and through a chain of two, one bastion connection shared by many targets, host keys checked
 * for each hop, a bastion that refuses to forward, a lost bastion dialled again, and the pool closed.
 * That a connection really went through a bastion is read from the bastion's own log (sshd logs each
 * direct-tcpip request at DEBUG1), and how many connections it served from its authentications and
 * per-connection processes.
 */
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Port, SshTarget } from '../../../src/inventory/model.ts';
import { BastionPool } from '../../../src/ssh/bastions.ts';
import { connect, type ConnectOptions } from '../../../src/ssh/connection.ts';
import { jumpLabel, type JumpHost, type SshRoute } from '../../../src/ssh/route.ts';
import { OpenConnections } from './open-connections.ts';
import { freePort, restoreEnvAfterEach, startAgent, startSshd, type SshdOptions, type TestSshd } from './sshd-fixture.ts';

describe('ProxyJump through real sshd bastions', function () {
  this.timeout(30_000);
  let dir: string;
  let knownHosts: string;
  /** Every sshd started, the ones a single test starts too: all stopped in after(), whatever failed. */
  const servers: TestSshd[] = [];
  let bastion: TestSshd;
  let bastion2: TestSshd;
  let noForwarding: TestSshd;
  let targets: TestSshd[];
  const pools: BastionPool[] = [];
  const connections = new OpenConnections();
  const { opened, refusal } = connections;
  let cases = 0;

  async function server(options: SshdOptions = {}): Promise<TestSshd> {
    const started = await startSshd(options);
    servers.push(started);
    return started;
  }

  function hop(sshd: TestSshd): JumpHost {
    return { host: '127.0.0.1', port: sshd.port as Port, user: sshd.user, privateKey: sshd.clientKey };
  }

  function target(sshd: TestSshd): SshTarget {
    return { host: '127.0.0.1', port: sshd.port as Port, user: sshd.user, privateKey: sshd.clientKey };
  }

  function route(to: TestSshd, ...jumps: TestSshd[]): SshRoute {
    return { target: target(to), jumps: jumps.map(hop) };
  }

  function knownLine(sshd: TestSshd, key: string = sshd.hostKeys.ed25519): string {
    return `[127.0.0.1]:${sshd.port} ${key}`;
  }

  /** A known_hosts file of its own with these lines. */
  async function knownHostsWith(lines: readonly string[]): Promise<string> {
    const file = join(dir, `known_hosts-${++cases}`);
    await writeFile(file, `${lines.join('\n')}\n`);
    return file;
  }

  function options(file: string = knownHosts): ConnectOptions {
    return { knownHostsFile: file, acceptNewHostKeys: false, connectTimeoutMs: 5_000, commandTimeoutMs: 5_000 };
  }

  function pool(file: string = knownHosts): BastionPool {
    const made = new BastionPool(options(file));
    pools.push(made);
    return made;
  }

  /** Waits for what sshd does after a client hangs up (its processes exit in their own time); mocha's time-out bounds it. */
  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** The bastion's log line for a direct-tcpip channel it opened to `port`. */
  function forwardedTo(sshd: TestSshd, port: number): number {
    return sshd
      .log()
      .split('\n')
      .filter((line) => line.includes(`server_request_direct_tcpip: originator 127.0.0.1 port 0, target 127.0.0.1 port ${port}`)).length;
  }

  before(async function () {
    this.timeout(400_000);
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-proxyjump-'));
    bastion = await server({ logLevel: 'DEBUG1' });
    bastion2 = await server({ logLevel: 'DEBUG1' });
    noForwarding = await server({ allowTcpForwarding: false });
    targets = [await server(), await server(), await server()];
    knownHosts = await knownHostsWith(servers.map((sshd) => knownLine(sshd)));
  });

  afterEach(async () => {
    await connections.closeAll();
    await Promise.all(pools.splice(0).map((made) => made.close()));
  });

  after(async () => {
    await connections.closeAll();
    await Promise.all(pools.splice(0).map((made) => made.close()));
    await Promise.all(servers.splice(0).map((sshd) => sshd.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reaches a target through one bastion', async () => {
    const [t1] = targets as [TestSshd];
    const before = forwardedTo(bastion, t1.port);
    const connection = await opened(connect(route(t1, bastion), options(), 't1', pool()));
    assert.deepEqual(await connection.exec('echo through; exit 3'), { code: 3, stdout: 'through\n', stderr: '' });
    assert.equal(forwardedTo(bastion, t1.port), before + 1, 'the bastion opened the channel to the target');
    assert.equal(connection.host, 't1');
    assert.equal(connection.address, `127.0.0.1:${t1.port}`);
  });

  it('reaches a target through a chain of two bastions, each hop through the one before it', async () => {
    const [t1] = targets as [TestSshd];
    const [toSecond, toTarget] = [forwardedTo(bastion, bastion2.port), forwardedTo(bastion2, t1.port)];
    const connection = await opened(connect(route(t1, bastion, bastion2), options(), 't1', pool()));
    assert.equal((await connection.exec('echo chained')).stdout, 'chained\n');
    assert.equal(forwardedTo(bastion, bastion2.port), toSecond + 1, 'the first bastion opened the way to the second');
    assert.equal(forwardedTo(bastion2, t1.port), toTarget + 1, 'the second bastion opened the way to the target');
  });

  it('serves many targets behind one bastion with exactly one bastion connection, dialled once', async () => {
    const shared = await server({ logLevel: 'DEBUG1' });
    const file = await knownHostsWith([knownLine(shared), ...targets.map((t) => knownLine(t))]);
    const bastions = pool(file);
    // Two hosts on each target sshd, all asked for at once: they share one connect to the bastion in flight.
    const hosts = targets.flatMap((t, i) => [`rs${i}a`, `rs${i}b`].map((name) => ({ name, t })));
    const opening = await Promise.all(hosts.map(({ name, t }) => opened(connect(route(t, shared), options(file), name, bastions))));
    const said = await Promise.all(opening.map((connection) => connection.exec('echo ok')));
    assert.deepEqual(
      said.map((result) => result.stdout),
      hosts.map(() => 'ok\n'),
    );
    assert.equal(shared.authenticated(), 1, 'one authentication on the bastion');
    assert.equal(shared.connections().length, 1, 'one connection held on the bastion');
    for (const t of targets) assert.equal(forwardedTo(shared, t.port), 2, `two channels to ${t.port}`);
  });

  it('checks a bastion against the known_hosts file it names', async () => {
    const [t1] = targets as [TestSshd];
    const own = await knownHostsWith([knownLine(bastion)]);
    const withoutBastion = await knownHostsWith([knownLine(t1)]);
    const viaOwn: SshRoute = { target: target(t1), jumps: [{ ...hop(bastion), knownHostsFile: own }] };
    const connection = await opened(connect(viaOwn, options(withoutBastion), 't1', pool(withoutBastion)));
    assert.equal((await connection.exec('echo own')).stdout, 'own\n');
    const error = await refusal(connect(route(t1, bastion), options(withoutBastion), 't1', pool(withoutBastion)), 'host-key-unknown');
    assert.equal(error.bastion, jumpLabel(hop(bastion)));
  });

  it('refuses a bastion whose host key is wrong, naming the bastion, and never reaches the target', async () => {
    const [t1, t2] = targets as [TestSshd, TestSshd];
    const file = await knownHostsWith([knownLine(bastion, t2.hostKeys.ed25519), knownLine(t1)]);
    const reached = t1.authenticated();
    const error = await refusal(connect(route(t1, bastion), options(file), 't1', pool(file)), 'host-key-mismatch');
    const label = `${bastion.user}@127.0.0.1:${bastion.port}`;
    assert.equal(error.bastion, label);
    assert.match(
      error.message,
      new RegExp(`^t1 \\(127\\.0\\.0\\.1:${t1.port}\\): through bastion ${label}: host key for \\[127\\.0\\.0\\.1\\]:${bastion.port} does not match .* line 1: possible man-in-the-middle`),
    );
    assert.equal(t1.authenticated(), reached, 'the target was not reached');
  });

  it('refuses a target behind the bastion whose host key is wrong, naming the target; the bastion serves the others', async () => {
    const [t1, t2] = targets as [TestSshd, TestSshd];
    const file = await knownHostsWith([knownLine(bastion), knownLine(t1, t2.hostKeys.ed25519), knownLine(t2)]);
    const bastions = pool(file);
    const error = await refusal(connect(route(t1, bastion), options(file), 't1', bastions), 'host-key-mismatch');
    assert.equal(error.bastion, undefined);
    assert.match(error.message, new RegExp(`^t1 \\(127\\.0\\.0\\.1:${t1.port}\\): host key for \\[127\\.0\\.0\\.1\\]:${t1.port} does not match .* line 2: possible man-in-the-middle`));
    const other = await opened(connect(route(t2, bastion), options(file), 't2', bastions));
    assert.equal((await other.exec('echo other')).stdout, 'other\n');
  });

  it('ends the tunnel of a target that fails before its handshake (its key is missing), naming the target', async () => {
    const [t1] = targets as [TestSshd];
    const missing = join(dir, 'no-such-key');
    const keyless: SshRoute = { target: { ...target(t1), privateKey: missing }, jumps: [hop(bastion)] };
    const channels = (line: string): number =>
      bastion
        .log()
        .split('\n')
        .filter((logged) => logged.includes(line)).length;
    const [opened, freed] = [channels('new direct-tcpip'), channels('free: direct-tcpip')];
    const error = await refusal(connect(keyless, options(), 't1', pool()), 'private-key');
    assert.equal(error.bastion, undefined);
    assert.equal(error.message, `t1 (127.0.0.1:${t1.port}): private key file ${missing} does not exist`);
    // sshd's log comes through a pipe of its own: waited for, not assumed read. The bastion connection is
    // still held by the pool, so a freed channel is one that was ended, not one torn down with it.
    await until(() => channels('new direct-tcpip') === opened + 1 && channels('free: direct-tcpip') === freed + 1);
  });

  it('says so clearly when a bastion refuses to forward', async () => {
    const [t1] = targets as [TestSshd];
    const error = await refusal(connect(route(t1, noForwarding), options(), 't1', pool()), 'forwarding-refused');
    const label = `${noForwarding.user}@127.0.0.1:${noForwarding.port}`;
    assert.equal(error.bastion, label);
    assert.match(
      error.message,
      new RegExp(
        `^t1 \\(127\\.0\\.0\\.1:${t1.port}\\): through bastion ${label}: the bastion refuses to forward a connection to 127\\.0\\.0\\.1:${t1.port} \\(.+\\): its sshd has AllowTcpForwarding no`,
      ),
    );
  });

  it('says when the bastion cannot connect to the target', async () => {
    const closed = await freePort();
    const nowhere: SshRoute = { target: { ...target(targets[0]!), port: closed as Port }, jumps: [hop(bastion)] };
    const error = await refusal(connect(nowhere, options(), 'rs9', pool()), 'refused');
    assert.match(
      error.message,
      new RegExp(
        `^rs9 \\(127\\.0\\.0\\.1:${closed}\\): through bastion ${bastion.user}@127\\.0\\.0\\.1:${bastion.port}: the bastion cannot connect to 127\\.0\\.0\\.1:${closed} \\(.*refused.*\\)$`,
        'i',
      ),
    );
  });

  it('dials a lost bastion again on the next request', async () => {
    const [t1] = targets as [TestSshd];
    const lost = await server();
    const file = await knownHostsWith([knownLine(lost), knownLine(t1)]);
    const bastions = pool(file);
    const first = await opened(connect(route(t1, lost), options(file), 't1', bastions));
    assert.equal((await first.exec('echo first')).stdout, 'first\n');
    const [serving] = lost.connections();
    assert.ok(serving !== undefined && lost.connections().length === 1, 'one bastion connection');
    process.kill(serving, 'SIGKILL');
    const cut = await refusal(first.exec('true'), 'connection-lost');
    assert.equal(cut.message, `t1 (127.0.0.1:${t1.port}): connection lost: the connection through bastion ${lost.user}@127.0.0.1:${lost.port} closed (the host or the bastion ended it)`);
    const again = await opened(connect(route(t1, lost), options(file), 't1', bastions));
    assert.equal((await again.exec('echo again')).stdout, 'again\n');
    assert.equal(lost.authenticated(), 2, 'the bastion was dialled a second time');
  });

  it('closes every bastion connection, the chain too, and opens none after', async () => {
    const [t1, t2] = targets as [TestSshd, TestSshd];
    const [near, far] = [await server(), await server()];
    const file = await knownHostsWith([knownLine(near), knownLine(far), knownLine(t1), knownLine(t2)]);
    const bastions = new BastionPool(options(file));
    try {
      const hosts = await Promise.all([connect(route(t1, near, far), options(file), 't1', bastions), connect(route(t2, near), options(file), 't2', bastions)]);
      connections.add(...hosts);
      assert.equal(near.connections().length, 1);
      assert.equal(far.connections().length, 1);
      await connections.closeAll();
      await bastions.close();
      await until(() => near.connections().length === 0 && far.connections().length === 0);
      const error = await refusal(connect(route(t1, near), options(file), 't1', bastions), 'connection-lost');
      assert.equal(error.bastion, `${near.user}@127.0.0.1:${near.port}`);
    } finally {
      await bastions.close();
    }
  });

  it('closes the bastions a connection opened without a pool along with it', async () => {
    const [t1] = targets as [TestSshd];
    const own = await server();
    const file = await knownHostsWith([knownLine(own), knownLine(t1)]);
    const connection = await opened(connect(route(t1, own), options(file), 't1'));
    assert.equal((await connection.exec('echo alone')).stdout, 'alone\n');
    assert.equal(own.connections().length, 1);
    await connection.close();
    await until(() => own.connections().length === 0);
  });

  describe('credentials of bastions and targets alike', () => {
    restoreEnvAfterEach(['HOME', 'SSH_AUTH_SOCK']);

    it('authenticates to the bastion and the target with keys held by ssh-agent', async () => {
      const [t1] = targets as [TestSshd];
      const home = join(dir, `home-${++cases}`);
      await mkdir(join(home, '.ssh'), { recursive: true });
      process.env.HOME = home;
      const agent = await startAgent(dir, [bastion.clientKey, t1.clientKey]);
      try {
        process.env.SSH_AUTH_SOCK = agent.socket;
        const keyless: SshRoute = { target: { ...target(t1), privateKey: undefined }, jumps: [{ ...hop(bastion), privateKey: undefined }] };
        const connection = await opened(connect(keyless, options(), 't1', pool()));
        assert.equal((await connection.exec('echo agent')).stdout, 'agent\n');
      } finally {
        await agent.stop();
      }
    });

    it('says which credentials the bastion refused, naming the bastion', async () => {
      const [t1] = targets as [TestSshd];
      const refused: SshRoute = { target: target(t1), jumps: [{ ...hop(bastion), privateKey: bastion.wrongKey }] };
      const error = await refusal(connect(refused, options(), 't1', pool()), 'auth');
      assert.match(error.message, new RegExp(`: through bastion ${bastion.user}@127\\.0\\.0\\.1:${bastion.port}: authentication failed for user ${bastion.user} \\(tried key ${bastion.wrongKey}`));
    });
  });
});
