/**
 * resolveSshConfig against OpenSSH itself: for each alias of a fixture config, what `ssh -G` (which
 * prints the computed config and exits before any connection) says. ssh runs as a temporary user
 * whose home holds the fixture, so that `~`, %d, %u, Match localuser and relative Includes are the
 * same for both. Every alias resolves to 127.0.0.1 or a .invalid name, checked before ssh runs.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProxyJump, type ResolvedSshConfig, resolveSshConfig, sshConfigFiles } from '../../../../src/ssh/config/index.ts';
import { ALIASES, BASTION_CONFIG, EMPTY_CONFIG, EXTRA_CONFIG, MAIN_CONFIG } from './fixture.ts';

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((name) => `~/.ssh/${name}`);

function requireSsh(): void {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`this test compares with OpenSSH's own "ssh -G", and ssh cannot be run (install openssh-client): ${(error as Error).message}`);
  }
  if (process.getuid?.() !== 0) throw new Error('this test runs ssh -G as a temporary user, which needs root (useradd)');
}

type Printed = Map<string, string[]>;

describe('the ssh config, compared with ssh -G', function () {
  this.timeout(60_000);
  let dir: string;
  let home: string;
  let user: string | undefined;
  let uid: number;
  let config: string;
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, LVSPLAY_KEYS: '/srv/keys' });

  before(async () => {
    requireSsh();
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-ssh-config-'));
    // The temporary user must reach its home inside this folder.
    await chmod(dir, 0o755);
    home = join(dir, 'home');
    await mkdir(join(home, '.ssh', 'conf.d'), { recursive: true });
    const extra = join(dir, 'extra.conf');
    config = join(home, '.ssh', 'config');
    await writeFile(config, MAIN_CONFIG.replace('EXTRA', extra));
    await writeFile(join(home, '.ssh', 'conf.d', '10-bastion.conf'), BASTION_CONFIG.replace('EXTRA', extra));
    await writeFile(join(home, '.ssh', 'conf.d', '20-empty.conf'), EMPTY_CONFIG);
    await writeFile(extra, EXTRA_CONFIG);
    const name = `lvcfg${process.pid}`;
    execFileSync('useradd', ['--no-create-home', '--home-dir', home, '--shell', '/usr/sbin/nologin', '--user-group', name], { stdio: 'pipe' });
    user = name;
    uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  });

  after(async () => {
    if (user !== undefined) execFileSync('userdel', [user], { stdio: 'pipe' });
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  function sshG(alias: string, extraOptions: readonly string[] = []): Printed {
    const gid = Number(execFileSync('id', ['-g', user!], { encoding: 'utf8' }).trim());
    const output = execFileSync('ssh', ['-G', '-F', config, ...extraOptions, alias], { uid, gid, env: env(), cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const printed: Printed = new Map();
    for (const line of output.split('\n')) {
      const space = line.indexOf(' ');
      if (space < 0) continue;
      const key = line.slice(0, space);
      printed.set(key, [...(printed.get(key) ?? []), line.slice(space + 1)]);
    }
    return printed;
  }

  const one = (printed: Printed, key: string): string | undefined => printed.get(key)?.[0];

  function resolve(alias: string): Promise<ResolvedSshConfig> {
    return resolveSshConfig(alias, { files: sshConfigFiles(home, config), localUser: user!, home, uid, localHostName: hostname(), env: env() });
  }

  /** Nothing may be contacted even by mistake: the target and every hop must be loopback or .invalid. */
  async function assertHarmless(resolved: ResolvedSshConfig): Promise<void> {
    const safe = (name: string): boolean => name === '127.0.0.1' || name.endsWith('.invalid');
    assert.ok(safe(resolved.hostName.value), `${resolved.alias} resolves to ${resolved.hostName.value}: the fixture must use 127.0.0.1 or .invalid`);
    if (resolved.proxy.value.kind === 'jump') for (const hop of resolved.proxy.value.hops) assert.ok(safe((await resolve(hop.host)).hostName.value), `hop ${hop.host}`);
  }

  /** ssh's own expansion of IdentityFile texts: UserKnownHostsFile is expanded the same way, and -G prints it. */
  function expandedBySsh(alias: string, raw: readonly string[]): string[] {
    const printed = sshG(alias, ['-o', `UserKnownHostsFile=${raw.map((file) => `"${file}"`).join(' ')}`]);
    return one(printed, 'userknownhostsfile')!.split(' ');
  }

  for (const alias of ALIASES) {
    it(`resolves ${alias} as ssh does`, async () => {
      const ours = await resolve(alias);
      await assertHarmless(ours);
      const ssh = sshG(alias);
      assert.equal(ours.hostName.value, one(ssh, 'hostname'), 'hostname');
      assert.equal(ours.user.value, one(ssh, 'user'), 'user');
      assert.equal(String(ours.port.value), one(ssh, 'port'), 'port');

      const rawIdentities = (ssh.get('identityfile') ?? []).filter((file) => file.toLowerCase() !== 'none');
      const sshDefaults = rawIdentities.join('\n') === DEFAULT_IDENTITIES.join('\n');
      const expected = sshDefaults ? [] : expandedBySsh(alias, rawIdentities);
      assert.deepEqual(
        ours.identityFiles.map((file) => file.value),
        expected,
        'identity files',
      );

      const jump = one(ssh, 'proxyjump');
      const command = one(ssh, 'proxycommand');
      if (jump !== undefined) {
        const hops = parseProxyJump(jump);
        assert.ok(hops.ok);
        assert.deepEqual(ours.proxy.value, { kind: 'jump', hops: hops.value }, 'proxyjump');
      } else if (command !== undefined) assert.deepEqual(ours.proxy.value, { kind: 'command', command }, 'proxycommand');
      else assert.deepEqual(ours.proxy.value, { kind: 'direct' }, 'direct');

      const knownHosts = ours.userKnownHostsFiles?.value ?? [join(home, '.ssh/known_hosts'), join(home, '.ssh/known_hosts2')];
      // -G prints `none` for an empty list.
      assert.equal(knownHosts.join(' ') || 'none', one(ssh, 'userknownhostsfile'), 'userknownhostsfile');
      const strict = { yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' }[ours.strictHostKeyChecking?.value ?? 'ask'];
      assert.equal(strict, one(ssh, 'stricthostkeychecking'), 'stricthostkeychecking');
      assert.equal(ours.hostKeyAlias?.value, one(ssh, 'hostkeyalias'), 'hostkeyalias');
      assert.equal(String(ours.connectTimeout?.value ?? 'none'), one(ssh, 'connecttimeout'), 'connecttimeout');
      assert.equal(String(ours.serverAliveInterval?.value ?? 0), one(ssh, 'serveraliveinterval'), 'serveraliveinterval');
      assert.equal(String(ours.serverAliveCountMax?.value ?? 3), one(ssh, 'serveralivecountmax'), 'serveralivecountmax');
      assert.equal(ours.identitiesOnly?.value ? 'yes' : 'no', one(ssh, 'identitiesonly'), 'identitiesonly');
    });
  }

  it('reads the relative Include under ~/.ssh and the absolute one it holds', async () => {
    const ours = await resolve('inc-a');
    assert.deepEqual(ours.filesRead, [config, join(home, '.ssh/conf.d/10-bastion.conf'), join(dir, 'extra.conf'), join(home, '.ssh/conf.d/20-empty.conf')]);
    assert.deepEqual(ours.user, { value: 'included', origin: { kind: 'file', path: join(dir, 'extra.conf'), line: 1 } });
  });
});
