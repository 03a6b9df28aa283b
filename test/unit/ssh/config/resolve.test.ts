import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatOrigin, resolveSshConfig, SshConfigError, type SshConfigFile, sshConfigFiles } from '../../../../src/ssh/config/index.ts';

describe('resolveSshConfig', () => {
  let dir: string;
  let home: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-ssh-resolve-'));
    home = join(dir, 'home');
    await mkdir(join(home, '.ssh'), { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes `text` to ~/.ssh/NAME (mode 600) and returns it as the one file ssh -F would read. */
  async function config(text: string, name = 'config'): Promise<SshConfigFile[]> {
    const path = join(home, '.ssh', name);
    await writeFile(path, text, { mode: 0o600 });
    return sshConfigFiles(home, path);
  }

  const resolve = (alias: string, files: readonly SshConfigFile[], env: NodeJS.ProcessEnv = {}) =>
    resolveSshConfig(alias, { files, localUser: 'me', home, uid: process.getuid!(), localHostName: 'laptop', env });

  async function problems(alias: string, files: readonly SshConfigFile[]): Promise<readonly string[]> {
    const error = await resolve(alias, files).then(
      () => assert.fail('expected an SshConfigError'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof SshConfigError, String(error));
    assert.equal(error.alias, alias);
    assert.match(error.message, new RegExp(`host ${alias}`));
    return error.problems;
  }

  it('without files: the alias, the local user and port 22, all by default', async () => {
    const resolved = await resolve('Web1', []);
    assert.deepEqual(resolved, {
      alias: 'Web1',
      hostName: { value: 'web1', origin: { kind: 'default' } },
      user: { value: 'me', origin: { kind: 'default' } },
      port: { value: 22, origin: { kind: 'default' } },
      identityFiles: [],
      proxy: { value: { kind: 'direct' }, origin: { kind: 'default' } },
      warnings: [],
      filesRead: [],
    });
  });

  it('keeps the first value obtained, and says which line it came from', async () => {
    const files = await config('Host web1\n  User deploy\n  Port 2222\nHost *\n  User root\n  Port 22\n  ServerAliveInterval 30\n');
    const path = files[0]!.path;
    const resolved = await resolve('web1', files);
    assert.deepEqual(resolved.user, { value: 'deploy', origin: { kind: 'file', path, line: 2 } });
    assert.equal(formatOrigin(resolved.port.origin), `${path}:3`);
    assert.deepEqual(resolved.serverAliveInterval, { value: 30, origin: { kind: 'file', path, line: 7 } });
    assert.equal(formatOrigin(resolved.hostName.origin), 'default');
  });

  it('never runs Match exec: the block does not apply, and a warning names the line', async () => {
    const marker = join(dir, 'ran');
    const files = await config(`Match exec "touch ${marker}"\n  Port 2200\nMatch host nomatch exec "touch ${marker}"\n  Port 2300\n`);
    const resolved = await resolve('web1', files);
    assert.equal(existsSync(marker), false, 'Match exec ran a command');
    assert.equal(resolved.port.value, 22);
    // Only the first: on the third line another criterion already decided.
    assert.deepEqual(resolved.warnings, [`${files[0]!.path}:1: Match exec touch ${marker}: lvsplay never runs or evaluates this; the block is treated as not matching`]);
  });

  it('names every bad line, also in blocks that do not apply, as ssh does', async () => {
    const files = await config('Host other\n  Port 99999\n  ConnectTimeout soon\nHost *\n  StrictHostKeyChecking maybe\n  ProxyJump @bastion\n  User a b\n');
    const path = files[0]!.path;
    assert.deepEqual(await problems('web1', files), [
      `${path}:2: Port: "99999" is not a port number (1-65535)`,
      `${path}:3: ConnectTimeout: "soon" is not a time (seconds, or a number with s, m, h, d or w)`,
      `${path}:5: StrictHostKeyChecking: "maybe" is not yes, no, accept-new or ask`,
      `${path}:6: ProxyJump: "@bastion" is not [user@]host[:port] or ssh://[user@]host[:port]`,
      `${path}:7: User: extra arguments at end of line: b`,
    ]);
  });

  it('refuses a bad Match, an unclosed quote and an unknown token in a value it uses', async () => {
    const files = await config('Match colour blue\n  Port 1\nHost web1\n  User "deploy\n  IdentityFile ~/.ssh/id_%z\n');
    const path = files[0]!.path;
    assert.deepEqual(await problems('web1', files), [`${path}:1: Match: unsupported Match attribute colour`, `${path}:4: invalid quotes`]);
    const tokens = await config('Host web1\n  IdentityFile ~/.ssh/id_%z\n', 'tokens');
    assert.deepEqual(await problems('web1', tokens), [`${tokens[0]!.path}:2: IdentityFile: unknown token %z in "~/.ssh/id_%z"`]);
  });

  it('warns of an unknown keyword unless IgnoreUnknown names it', async () => {
    const files = await config('IgnoreUnknown UseKeychain\nUseKeychain yes\nColour blue\n');
    const resolved = await resolve('web1', files);
    assert.deepEqual(resolved.warnings, [`${files[0]!.path}:3: unknown keyword "Colour" ignored (ssh refuses it unless IgnoreUnknown names it)`]);
  });

  it('follows Include: relative to ~/.ssh, globbed in order, its Host state not leaking out', async () => {
    await mkdir(join(home, '.ssh', 'conf.d'));
    await writeFile(join(home, '.ssh', 'conf.d', 'b.conf'), 'Host web1\n  User from-b\n', { mode: 0o600 });
    await writeFile(join(home, '.ssh', 'conf.d', 'a.conf'), 'Host nothing\nPort 2000\n', { mode: 0o600 });
    await writeFile(join(home, '.ssh', 'conf.d', '.hidden.conf'), 'User hidden\n', { mode: 0o600 });
    const files = await config('Include conf.d/*.conf ~/.ssh/missing/*\nPort 2100\n');
    const resolved = await resolve('web1', files);
    assert.deepEqual(resolved.filesRead, [files[0]!.path, join(home, '.ssh/conf.d/a.conf'), join(home, '.ssh/conf.d/b.conf')]);
    assert.equal(resolved.user.value, 'from-b');
    assert.deepEqual(resolved.port, { value: 2100, origin: { kind: 'file', path: files[0]!.path, line: 2 } });
  });

  it('reads an Include inside a block that does not apply for its problems only', async () => {
    await writeFile(join(home, '.ssh', 'inner'), 'User inner\nHost *\n  Port 2000\n  Port nope\n', { mode: 0o600 });
    const files = await config('Host other\n  Include inner\nHost *\n  Port 2100\n');
    assert.deepEqual(await problems('web1', files), [`${join(home, '.ssh', 'inner')}:4: Port: "nope" is not a port number (1-65535)`]);
    await writeFile(join(home, '.ssh', 'inner'), 'User inner\nHost *\n  Port 2000\n', { mode: 0o600 });
    const resolved = await resolve('web1', files);
    assert.equal(resolved.user.value, 'me');
    assert.equal(resolved.port.value, 2100);
  });

  it('stops an Include that includes itself after 16 levels', async () => {
    const files = await config('Include config\n');
    const found = await problems('web1', files);
    assert.deepEqual(found, [`${files[0]!.path}:1: Include: more than 16 nested Includes (does a file include itself?)`]);
  });

  it('refuses an included file, or ~/.ssh/config, that group or others may write', async () => {
    await writeFile(join(home, '.ssh', 'open.conf'), 'User x\n');
    await chmod(join(home, '.ssh', 'open.conf'), 0o666);
    const files = await config('Include open.conf\n');
    assert.deepEqual(await problems('web1', files), [
      `${files[0]!.path}:1: Include: bad owner or permissions on ${join(home, '.ssh', 'open.conf')}: ssh refuses a config file another user owns or that group or others may write`,
    ]);
    await writeFile(join(home, '.ssh', 'config'), 'User x\n');
    await chmod(join(home, '.ssh', 'config'), 0o664);
    const defaults = sshConfigFiles(home).slice(0, 1);
    assert.match((await problems('web1', defaults))[0]!, /bad owner or permissions on .*\.ssh\/config/);
  });

  it('refuses ~ in a system file Include, and a named file that is missing', async () => {
    const path = join(dir, 'ssh_config');
    await writeFile(path, 'Include ~/.ssh/extra\n');
    assert.deepEqual(await problems('web1', [{ path, scope: 'system', required: false, checkPermissions: false }]), [
      `${path}:1: Include: bad include path ~/.ssh/extra (~ is not allowed in a system config file)`,
    ]);
    assert.deepEqual(await problems('web1', sshConfigFiles(home, join(dir, 'nope'))), [`cannot read ${join(dir, 'nope')}: it does not exist`]);
    const optional = await resolve('web1', sshConfigFiles(home).slice(0, 1));
    assert.deepEqual(optional.filesRead, []);
  });

  it('expands IdentityFile and UserKnownHostsFile tokens with the final host, user and port', async () => {
    const files = await config(
      'Host web1\n  HostName %h.LAB.example\n  User deploy\n  IdentityFile ${KEYS}/%r@%h:%p\n  IdentityFile ~/.ssh/id_%n\n  IdentityFile none\n  UserKnownHostsFile %d/kh/%k ~/kh2\n  HostKeyAlias LB\n',
    );
    const resolved = await resolve('web1', files, { KEYS: '/srv/keys' });
    assert.equal(resolved.hostName.value, 'web1.lab.example');
    assert.deepEqual(
      resolved.identityFiles.map((file) => file.value),
      ['/srv/keys/deploy@web1.lab.example:22', `${home}/.ssh/id_web1`],
    );
    assert.deepEqual(resolved.userKnownHostsFiles?.value, [`${home}/kh/lb`, `${home}/kh2`]);
    assert.equal(resolved.hostKeyAlias?.value, 'lb');
  });

  it('gives ProxyJump hops, ProxyCommand text, and none', async () => {
    const files = await config('Host a\n  ProxyJump ops@bastion:2222,inner\nHost b\n  ProxyCommand nc %h %p\nHost c\n  ProxyCommand none\n  ProxyJump bastion\n');
    assert.deepEqual((await resolve('a', files)).proxy.value, { kind: 'jump', hops: [{ user: 'ops', host: 'bastion', port: 2222 }, { host: 'inner' }] });
    assert.deepEqual((await resolve('b', files)).proxy.value, { kind: 'command', command: 'nc %h %p' });
    assert.deepEqual((await resolve('c', files)).proxy, { value: { kind: 'direct' }, origin: { kind: 'file', path: files[0]!.path, line: 6 } });
  });

  it('Match final and Match canonical apply in the second pass, where Host matches the hostname', async () => {
    const files = await config('Host web1\n  HostName web1.final.example\nMatch canonical host *.final.example\n  User canon\nHost *.final.example\n  Port 2600\nMatch final\n');
    const resolved = await resolve('web1', files);
    assert.equal(resolved.user.value, 'canon');
    assert.equal(resolved.port.value, 2600);
    const once = await config('Host web1\n  HostName web1.final.example\nMatch canonical\n  User canon\n', 'once');
    assert.equal((await resolve('web1', once)).user.value, 'me');
  });

  it('Match user sees the User set above it, and localuser the local user', async () => {
    const files = await config('Host web1\n  User deploy\nMatch user deploy localuser me,!root\n  Port 2700\n');
    assert.equal((await resolve('web1', files)).port.value, 2700);
  });

  it('sshConfigFiles: ~/.ssh/config then /etc/ssh/ssh_config; a named file alone; none', () => {
    assert.deepEqual(sshConfigFiles('/home/me'), [
      { path: '/home/me/.ssh/config', scope: 'user', required: false, checkPermissions: true },
      { path: '/etc/ssh/ssh_config', scope: 'system', required: false, checkPermissions: false },
    ]);
    assert.deepEqual(sshConfigFiles('/home/me', '/etc/lvsplay/ssh'), [{ path: '/etc/lvsplay/ssh', scope: 'user', required: true, checkPermissions: false }]);
    assert.deepEqual(sshConfigFiles('/home/me', 'None'), []);
  });
});
