/**
 * `run` checks every selected host's key before it connects to any: the hosts here point at a port
 * where nothing listens, so a connection attempt would show as "unreachable" in a recap instead.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../ssh/sshd-fixture.ts';
import { CliProcess } from './cli-process.ts';
import { drInventory, type DrHost } from './dr-inventory.ts';

describe('run with keys it cannot use', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function runWithKeys(keys: Record<DrHost, string>, ...extra: string[]): Promise<CliProcess> {
    const port = await freePort();
    await writeFile(
      join(dir, 'inventory.yml'),
      drInventory((host) => `{ host: 127.0.0.1, port: ${port}, privateKey: ${keys[host]} }`),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir };
    delete env.SSH_AUTH_SOCK;
    const cli = new CliProcess(['run', join(dir, 'inventory.yml'), '--check', '--known-hosts', join(dir, 'known_hosts'), ...extra], env);
    await cli.exited;
    return cli;
  }

  it('refuses keys others may read, and keys that are missing, one line per host, before any connection (exit 1)', async () => {
    const good = join(dir, 'good');
    const open = join(dir, 'open');
    for (const key of [good, open]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    await chmod(open, 0o644);
    const cli = await runWithKeys({ router: good, lvs: join(dir, 'missing'), rs1: open, rs2: open });
    assert.equal((await cli.exited).code, 1, cli.stderr);
    const tooOpen = `permissions 0644 for ${open} are too open: it must not be readable by others (chmod 600 ${open})`;
    assert.equal(
      cli.stderr,
      [
        'lvsplay: cannot authenticate to 3 hosts; no host was connected to',
        `host lvs, ssh.privateKey: private key file ${join(dir, 'missing')} does not exist`,
        `host rs1, ssh.privateKey: ${tooOpen}`,
        `host rs2, ssh.privateKey: ${tooOpen}`,
        '',
      ].join('\n'),
    );
    assert.equal(cli.stdout, '');
  });

  it('with --json, lists the same as issues of a "credentials" error', async () => {
    const key = join(dir, 'not-a-key');
    await writeFile(key, 'hello\n', { mode: 0o600 });
    const cli = await runWithKeys({ router: key, lvs: key, rs1: key, rs2: key }, '--json');
    assert.equal((await cli.exited).code, 1, cli.stderr);
    const { error } = JSON.parse(cli.stdout) as { error: { kind: string; message: string; issues: { subject: string; field: string; message: string }[] } };
    assert.equal(error.kind, 'credentials');
    assert.equal(error.message, 'cannot authenticate to 4 hosts; no host was connected to');
    assert.deepEqual(
      error.issues.map((issue) => [issue.subject, issue.field]),
      [
        ['host router', 'ssh.privateKey'],
        ['host lvs', 'ssh.privateKey'],
        ['host rs1', 'ssh.privateKey'],
        ['host rs2', 'ssh.privateKey'],
      ],
    );
    assert.match(error.issues[0]!.message, new RegExp(`^private key file ${key} is not a private key`));
  });
});
