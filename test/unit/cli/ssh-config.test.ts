/**
 * The real CLI reaching a host the way `ssh HOST` does: an operator's ~/.ssh/config names the host by its
 * alias, with HostName, Port, User, IdentityFile, UserKnownHostsFile and a ProxyJump bastion; both are real
 * sshds on 127.0.0.1. Only `run --check` runs (read-only facts): a real run would change this machine.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd, type TestSshd } from '../ssh/sshd-fixture.ts';
import { ROOT } from './cli-process.ts';

const BIN = join(ROOT, 'bin/lvsplay.js');

interface Ended {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the CLI through ~/.ssh/config: alias, user, key, port, known_hosts and a ProxyJump bastion', function () {
  // Loading the CLI (jiti) and starting sshds take seconds on a busy machine; nothing is timed.
  this.timeout(120_000);
  let dir: string;
  let home: string;
  let bastion: TestSshd | undefined;
  let target: TestSshd | undefined;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-ssh-config-cli-'));
    home = join(dir, 'home');
    await mkdir(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    bastion = await startSshd({ logLevel: 'DEBUG1' });
    target = await startSshd();
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${bastion.port} ${bastion.hostKeys.ed25519}\n[127.0.0.1]:${target.port} ${target.hostKeys.ed25519}\n`);
    await writeFile(
      join(home, '.ssh', 'config'),
      [
        'Host jump',
        '  HostName 127.0.0.1',
        `  Port ${bastion.port}`,
        `  User ${bastion.user}`,
        `  IdentityFile ${bastion.clientKey}`,
        'Host router',
        '  HostName 127.0.0.1',
        `  Port ${target.port}`,
        `  User ${target.user}`,
        `  IdentityFile ${target.clientKey}`,
        '  ProxyJump jump',
        'Host proxied',
        '  ProxyCommand nc %h %p',
        'Host *',
        '  StrictHostKeyChecking yes',
        `  UserKnownHostsFile ${knownHosts}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // The router is named by its alias alone; the other hosts are never selected (--limit router).
    const inventory = (routerSsh: string) => `hosts:
  router: { interfaces: { eth0: 192.168.10.84/24, eth1: 172.16.10.84/24 }, roles: [router]${routerSsh} }
  lvs: { interfaces: { eth0: 192.168.10.81/24, eth1: 172.16.10.81/24 }, roles: [director-nat], ssh: { host: 127.0.0.1, port: 1 } }
  rs1: { interfaces: { eth0: 192.168.10.71/24 }, gateway: 192.168.10.81, roles: [realserver-nat], ssh: { host: 127.0.0.1, port: 1 } }
services:
  - { vip: 172.16.10.81, port: 80, director: lvs, realServers: [{ host: rs1 }] }
`;
    await writeFile(join(dir, 'inventory.yml'), inventory(''));
    await writeFile(join(dir, 'proxied.yml'), inventory(', ssh: { host: proxied }'));
    await writeFile(join(dir, 'direct.yml'), inventory(", ssh: { proxyJump: 'none' }"));
  });

  after(async () => {
    await target?.stop();
    await bastion?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function lvsplay(inventory: string, ...extra: string[]): Promise<Ended> {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env.SSH_AUTH_SOCK;
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, 'run', join(dir, inventory), '--check', '--limit', 'router', '--json', ...extra], { cwd: ROOT, env, timeout: 100_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  const tunnels = (): number =>
    bastion!
      .log()
      .split('\n')
      .filter((line) => line.includes(`server_request_direct_tcpip: originator 127.0.0.1 port 0, target 127.0.0.1 port ${target!.port}`)).length;

  it('runs the facts on the alias through the bastion, with every setting from the config', async () => {
    const before = tunnels();
    const ended = await lvsplay('inventory.yml');
    assert.equal(ended.code, 0, `${ended.stdout}\n${ended.stderr}`);
    const report = JSON.parse(ended.stdout) as { hosts: { host: string; status: string }[] };
    assert.deepEqual(
      report.hosts.map((h) => h.host),
      ['router'],
    );
    assert.ok(['ok', 'changed'].includes(report.hosts[0]!.status), ended.stdout);
    assert.equal(tunnels() - before, 1, 'one tunnel through the bastion to the router');
  });

  it("the inventory's proxyJump none wins over the config: the router is dialled directly", async () => {
    const before = tunnels();
    const ended = await lvsplay('direct.yml');
    assert.equal(ended.code, 0, `${ended.stdout}\n${ended.stderr}`);
    assert.equal(tunnels(), before, 'no tunnel through the bastion');
  });

  it('refuses a ProxyCommand, naming the file and line, before connecting to anything', async () => {
    const before = bastion!.authenticated();
    const ended = await lvsplay('proxied.yml');
    assert.equal(ended.code, 1, ended.stdout);
    const { error } = JSON.parse(ended.stdout) as { error: { kind: string; issues: { subject: string; field: string; message: string }[] } };
    assert.equal(error.kind, 'ssh-config');
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0]!.subject, 'host router');
    assert.match(error.issues[0]!.message, new RegExp(`^${join(home, '.ssh', 'config')} line 13 sets ProxyCommand for proxied, which lvsplay does not run`));
    assert.equal(bastion!.authenticated(), before);
  });

  it('--ssh-config FILE is read instead of ~/.ssh/config (as ssh -F): its router has no ProxyJump', async () => {
    const file = join(dir, 'other_config');
    await writeFile(file, `Host router\n  HostName 127.0.0.1\n  Port ${target!.port}\n  User ${target!.user}\n  IdentityFile ${target!.clientKey}\n  UserKnownHostsFile ${join(dir, 'known_hosts')}\n`);
    const before = bastion!.authenticated();
    const ended = await lvsplay('inventory.yml', '--ssh-config', file);
    assert.equal(ended.code, 0, `${ended.stdout}\n${ended.stderr}`);
    assert.equal(bastion!.authenticated(), before, 'the bastion was not used');
  });
});
