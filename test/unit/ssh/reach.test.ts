import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Port, SshSettings } from '../../../src/inventory/model.ts';
import { sshConfigFiles } from '../../../src/ssh/config/index.ts';
import { reachHosts, ReachError, type Reach, type ReachOptions } from '../../../src/ssh/reach.ts';

describe('how lvsplay reaches a host: the inventory, then the ssh config, then the defaults', () => {
  let dir: string;
  let home: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-reach-'));
    home = join(dir, 'home');
    await mkdir(join(home, '.ssh'), { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function options(config: string | undefined, commandLine: ReachOptions['commandLine'] = {}): Promise<ReachOptions> {
    if (config !== undefined) await writeFile(join(home, '.ssh', 'config'), config, { mode: 0o600 });
    return { files: sshConfigFiles(home, config === undefined ? 'none' : join(home, '.ssh', 'config')), home, localUser: 'me', env: {}, commandLine };
  }

  async function reach(name: string, ssh: SshSettings, opts: ReachOptions): Promise<Reach> {
    return (await reachHosts([{ name, ssh }], opts)).get(name)!;
  }

  async function refusal(hosts: { name: string; ssh: SshSettings }[], opts: ReachOptions): Promise<ReachError> {
    const error = await reachHosts(hosts, opts).then(
      () => assert.fail('expected a ReachError'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ReachError, String(error));
    return error;
  }

  it('without a config: the host name as the address, root, port 22, direct', async () => {
    const { route, warnings } = await reach('192.168.10.71', {}, await options(undefined));
    assert.deepEqual(route, { target: { host: '192.168.10.71', port: 22, user: 'root' }, jumps: [] });
    assert.deepEqual(warnings, []);
  });

  it("the config's HostName, User, Port and IdentityFile for the alias; root when the config names no user", async () => {
    const opts = await options('Host rs1\n  HostName 192.168.10.71\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/lab_%h\nHost rs2\n  HostName 192.168.10.72\n');
    assert.deepEqual((await reach('rs1', {}, opts)).route.target, { host: '192.168.10.71', port: 2222, user: 'deploy', identityFiles: [join(home, '.ssh', 'lab_192.168.10.71')] });
    assert.deepEqual((await reach('rs2', {}, opts)).route.target, { host: '192.168.10.72', port: 22, user: 'root' });
  });

  it("the inventory's fields win over the config's; ssh.host is the alias the config is read for", async () => {
    const opts = await options('Host web\n  HostName 192.168.10.71\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/config_key\n');
    const { route } = await reach('rs1', { host: 'web', user: 'admin', port: 22 as Port, privateKey: '~/.ssh/inventory_key' }, opts);
    assert.deepEqual(route.target, { host: '192.168.10.71', port: 22, user: 'admin', privateKey: '~/.ssh/inventory_key' });
  });

  it('a ProxyJump alias is resolved through the config in its turn; a bastion with no User is the local user, as ssh -J', async () => {
    const opts = await options(
      'Host bastion\n  HostName 192.168.10.90\nHost gate\n  HostName 192.168.20.1\n  User jumper\n  Port 2200\nHost rs*\n  ProxyJump bastion\n  User deploy\nHost db\n  ProxyJump ops@gate:2201,bastion\n',
    );
    assert.deepEqual((await reach('rs1', {}, opts)).route.jumps, [{ host: '192.168.10.90', port: 22, user: 'me' }]);
    assert.deepEqual((await reach('db', {}, opts)).route.jumps, [
      { host: '192.168.20.1', port: 2201, user: 'ops' },
      { host: '192.168.10.90', port: 22, user: 'me' },
    ]);
  });

  it("a bastion's own ProxyJump comes before it; the inventory's proxyJump (none included) wins over the config", async () => {
    const opts = await options('Host inner\n  HostName 10.1.0.1\n  ProxyJump outer\nHost outer\n  HostName 10.0.0.1\n  User edge\nHost rs1\n  HostName 10.2.0.1\n  ProxyJump inner\n');
    assert.deepEqual(
      (await reach('rs1', {}, opts)).route.jumps.map((jump) => jump.host),
      ['10.0.0.1', '10.1.0.1'],
    );
    assert.deepEqual((await reach('rs1', { proxyJump: [] }, opts)).route.jumps, []);
    assert.deepEqual((await reach('rs1', { proxyJump: [{ host: 'outer', user: 'x' }] }, opts)).route.jumps, [{ host: '10.0.0.1', port: 22, user: 'x' }]);
  });

  it('host key and time settings: the command line over the config; StrictHostKeyChecking no is taken as accept-new, with a warning', async () => {
    const text = 'Host *\n  UserKnownHostsFile ~/.ssh/lab_known_hosts /dev/null\n  StrictHostKeyChecking no\n  ConnectTimeout 7\n  ServerAliveInterval 5\n  ServerAliveCountMax 2\n';
    const { route, warnings } = await reach('10.0.0.1', {}, await options(text));
    assert.deepEqual(route.target, {
      host: '10.0.0.1',
      port: 22,
      user: 'root',
      knownHostsFile: join(home, '.ssh', 'lab_known_hosts'),
      acceptNewHostKeys: true,
      connectTimeoutMs: 7000,
      keepalive: { intervalMs: 5000, countMax: 2 },
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /line 3: StrictHostKeyChecking no is taken as accept-new: lvsplay never connects to a host whose key changed/);
    const given = await reach('10.0.0.1', {}, await options(text, { knownHostsFile: '/tmp/kh', acceptNewHostKeys: false, connectTimeoutSeconds: 30 }));
    assert.equal(given.route.target.knownHostsFile, '/tmp/kh');
    assert.equal(given.route.target.acceptNewHostKeys, false);
    assert.equal(given.route.target.connectTimeoutMs, 30_000);
  });

  it('refuses, naming each host and where the config says it: ProxyCommand (never run), UserKnownHostsFile none', async () => {
    const opts = await options('Host rs1\n  ProxyCommand nc %h %p\nHost rs2\n  UserKnownHostsFile none\n');
    const config = join(home, '.ssh', 'config');
    const error = await refusal(
      [
        { name: 'rs1', ssh: {} },
        { name: 'rs2', ssh: {} },
        { name: 'rs3', ssh: {} },
      ],
      opts,
    );
    assert.deepEqual(
      error.issues.map((issue) => `${issue.subject}, ${issue.field}`),
      ['host rs1, ssh.proxyJump', 'host rs2, ssh config'],
    );
    assert.match(error.issues[0]!.message, new RegExp(`^${config} line 2 sets ProxyCommand for rs1, which lvsplay does not run`));
    assert.match(error.issues[1]!.message, new RegExp(`^${config} line 4 sets UserKnownHostsFile none for rs2`));
    assert.match(error.message, /^cannot work out how to reach 2 hosts; no host was connected to\nhost rs1, ssh.proxyJump: /);
  });

  it('a config ssh would refuse (a bad value in any block) is refused for every host, naming file and line', async () => {
    const error = await refusal(
      [
        { name: 'rs1', ssh: {} },
        { name: 'rs2', ssh: { host: '192.168.10.72' } },
      ],
      await options('Host rs1\n  User deploy\nHost other\n  Port eighty\n'),
    );
    assert.deepEqual(
      error.issues.map((issue) => `${issue.subject}, ${issue.field}`),
      ['host rs1, ssh config', 'host rs2, ssh.host'],
    );
    for (const issue of error.issues) assert.match(issue.message, /^the ssh config for (rs1|192\.168\.10\.72): .*config:4: .*"eighty" is not a port number/);
  });

  it('a ProxyJump loop in the config is refused, not followed for ever', async () => {
    const error = await refusal([{ name: 'rs1', ssh: {} }], await options('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\nHost rs1\n  ProxyJump a\n'));
    assert.match(error.issues[0]!.message, /more than 8 bastions in a row: is there a ProxyJump loop/);
  });
});
