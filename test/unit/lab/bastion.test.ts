// The bastion lab's pure parts, no VM: how the VMs are reached from the bastion, the guests' setup script
// (parsed by sh) and sshd policy (as sshd itself evaluates it, with -T), the operator's ssh config.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byDepth, DEPLOY_PASSWORD, HARNESS_ROOT, HARNESS_SSH_PORT, hopsFrom, hostKeyOf, OPERATOR, routeTo, setupScript, sshdConfig } from '../../lab/bastion.ts';
import type { BastionSide } from '../../lab/lab.ts';
import { knownHostsText, sshConfigText } from '../../lab/operator-home.ts';
import { topologies } from '../../lab/topologies.ts';
import { ensureSshd } from '../ssh/sshd-fixture.ts';

const topology = topologies['dr-bastion'];
const key = '/cache/lvsplay-lab/x/id_ed25519';
const setupOf = (host: string) => ({ host, bastion: topology.bastion, publicKey: 'ssh-ed25519 AAAAlab lvsplay-lab\n', bastionAddress: '192.168.10.90' });

describe('bastion lab: routes from the bastion', () => {
  const hops = hopsFrom(topology, 'bastion');

  it('reaches the lan beside the bastion in one hop and the client through the router', () => {
    assert.deepEqual(byDepth(hops), [['bastion'], ['router', 'lvs', 'rs1', 'rs2'], ['client']]);
    assert.deepEqual(hops.get('rs1'), { host: 'rs1', parent: 'bastion', address: '192.168.10.71', depth: 1 });
    assert.deepEqual(hops.get('client'), { host: 'client', parent: 'router', address: '192.168.30.100', depth: 2 });
  });

  it('routes the harness as root on its own port of a managed host, and on 22 of the client', () => {
    const bastion = { host: '127.0.0.1', port: 40000, user: 'root', privateKey: key };
    const router = { host: '192.168.10.84', port: HARNESS_SSH_PORT, user: 'root', privateKey: key, via: bastion };
    assert.deepEqual(routeTo(hops, 'client', 40000, HARNESS_ROOT, key), { host: '192.168.30.100', port: 22, user: 'root', privateKey: key, via: router });
  });

  it('routes the operator as deploy on port 22 through the bastion', () => {
    assert.deepEqual(routeTo(hops, 'rs2', 40000, OPERATOR, key), {
      host: '192.168.10.72',
      port: 22,
      user: 'deploy',
      privateKey: key,
      via: { host: '127.0.0.1', port: 40000, user: 'deploy', privateKey: key },
    });
  });

  it('names the VMs no segment joins to the bastion', () => {
    const cut = { vms: { ...topology.vms, far: { nics: [{ segment: 'nowhere', address: '10.9.9.9/24' }] } }, bastion: topology.bastion };
    assert.throws(() => hopsFrom(cut, 'bastion'), /far share no segment with the bastion "bastion"/);
  });
});

describe('bastion lab: guest setup', () => {
  it('is a script sh parses', () => {
    for (const host of ['bastion', 'rs1', 'rs2', 'client']) execFileSync('sh', ['-n'], { input: setupScript(setupOf(host)) });
  });

  it('asks for the password in sudo on rs2 only, and gives the client and bastion no sudo rule', () => {
    assert.match(setupScript(setupOf('rs1')), /deploy ALL=\(ALL:ALL\) NOPASSWD: ALL/);
    assert.match(setupScript(setupOf('rs2')), /'deploy ALL=\(ALL:ALL\) ALL'/);
    assert.doesNotMatch(setupScript(setupOf('client')), /sudoers/);
    assert.doesNotMatch(setupScript(setupOf('bastion')), /sudoers/);
  });

  it('points the hosts beside the bastion at its repository relay, and starts the relay on the bastion', () => {
    assert.match(setupScript(setupOf('lvs')), /deb \[trusted=yes\] http:\/\/192\.168\.10\.90:8080\/ \.\//);
    assert.match(setupScript(setupOf('bastion')), /nc -ll -p 8080 -e \/bin\/busybox nc 10\.0\.2\.100 80/);
  });

  it('gives the password to chpasswd on stdin, never on a command line', () => {
    assert.ok(setupScript(setupOf('rs2')).includes(`printf '%s\\n' 'deploy:${DEPLOY_PASSWORD}' | chpasswd`));
  });

  it('reads the host key setup prints last, without its comment', () => {
    assert.equal(hostKeyOf('rs1', 'noise\nssh-ed25519 AAAAC3Nz rs1\n'), 'ssh-ed25519 AAAAC3Nz');
    assert.throws(() => hostKeyOf('rs1', 'sshd: error\n'), /rs1: setup printed no ed25519 host key \(last line: sshd: error\)/);
  });
});

describe('bastion lab: sshd policy, as sshd -T evaluates it', () => {
  let dir = '';
  before(async () => {
    ensureSshd();
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-bastion-sshd-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host')]);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** sshd's effective settings for a connection as root from the bastion to `lport`. */
  const effective = async (host: string, lport: number): Promise<Map<string, string>> => {
    const file = join(dir, `${host}.conf`);
    await writeFile(file, sshdConfig(setupOf(host)).replace('/etc/ssh/ssh_host_ed25519_key', join(dir, 'host')));
    const out = execFileSync('/usr/sbin/sshd', ['-T', '-f', file, '-C', `user=root,host=bastion,addr=192.168.10.90,laddr=192.168.10.71,lport=${lport}`], { encoding: 'utf8' });
    const settings = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [name, ...value] = line.split(' ');
      if (name) settings.set(name, [...(settings.has(name) ? [settings.get(name)] : []), value.join(' ')].join(','));
    }
    return settings;
  };

  it('refuses root on port 22 of a managed host and lets it in with a key on the harness port', async () => {
    const on22 = await effective('rs1', 22);
    assert.equal(on22.get('permitrootlogin'), 'no');
    assert.equal(on22.get('port'), `22,${HARNESS_SSH_PORT}`);
    assert.equal(on22.get('passwordauthentication'), 'no');
    assert.equal((await effective('rs1', HARNESS_SSH_PORT)).get('permitrootlogin'), 'without-password');
  });

  it('lets root in with a key on the bastion and the client, port 22 only', async () => {
    for (const host of ['bastion', 'client']) {
      const settings = await effective(host, 22);
      assert.equal(settings.get('permitrootlogin'), 'without-password', host);
      assert.equal(settings.get('port'), '22', host);
    }
  });
});

describe('bastion lab: the operator home', () => {
  const bastion: BastionSide = {
    host: 'bastion',
    access: { host: '127.0.0.1', port: 40000, user: 'deploy', privateKey: key },
    addresses: { rs1: '192.168.10.71' },
    hostKeys: { bastion: 'ssh-ed25519 AAAAbastion', rs1: 'ssh-ed25519 AAAArs1' },
    deployUser: 'deploy',
    deployPassword: DEPLOY_PASSWORD,
    passwordSudo: ['rs2'],
  };
  const hosts = { rs1: { host: '192.168.10.71', port: 22, user: 'deploy', privateKey: key, via: bastion.access } };

  it('names the bastion as ProxyJump and each host by alias, with its lab address and user', () => {
    assert.equal(
      sshConfigText(bastion, hosts, '/tmp/h/.ssh/known_hosts'),
      [
        '# An operator of the dr-bastion lab (test/lab/operator-home.ts). The key is in the ssh-agent only.',
        '',
        'Host bastion',
        '  HostName 127.0.0.1',
        '  Port 40000',
        '  User deploy',
        '',
        'Host rs1',
        '  HostName 192.168.10.71',
        '  User deploy',
        '  ProxyJump bastion',
        '',
        'Host *',
        '  StrictHostKeyChecking yes',
        '  UserKnownHostsFile /tmp/h/.ssh/known_hosts',
        '',
      ].join('\n'),
    );
  });

  it('holds the bastion by its forwarded port and the others by lab address', () => {
    assert.equal(knownHostsText(bastion, hosts), '[127.0.0.1]:40000 ssh-ed25519 AAAAbastion\n192.168.10.71 ssh-ed25519 AAAArs1\n');
    assert.throws(() => knownHostsText(bastion, { ...hosts, rs2: { ...hosts.rs1, host: '192.168.10.72' } }), /the lab has no host key of rs2/);
  });
});
