import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Port } from '../../../src/inventory/model.ts';
import { checkCredentials, expandHome, planAuth, type AuthPlan } from '../../../src/ssh/auth.ts';
import { CredentialError } from '../../../src/ssh/errors.ts';
import { directRoute } from '../../../src/ssh/route.ts';

function keygen(file: string, type = 'ed25519', passphrase = ''): void {
  // 1024-bit RSA: the smallest ssh-keygen makes, and generated in a fraction of the default's time.
  const bits = type === 'rsa' ? ['-b', '1024'] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', passphrase, '-f', file]);
}

function labels(plan: AuthPlan): string[] {
  assert.ok(plan.ok, plan.ok ? '' : plan.detail);
  return plan.methods.map((method) => method.label);
}

describe('choosing credentials', function () {
  this.timeout(20_000);
  let home: string;
  const agent = { SSH_AUTH_SOCK: '/run/user/0/agent.sock' };
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'lvsplay-auth-'));
    await mkdir(join(home, '.ssh'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  describe("with the target's own privateKey", () => {
    it('offers that key only, even with an agent running', async () => {
      keygen(join(home, 'lab_key'));
      keygen(join(home, '.ssh', 'id_ed25519'));
      assert.deepEqual(labels(await planAuth(join(home, 'lab_key'), agent, home)), [`key ${join(home, 'lab_key')}`]);
    });

    it('expands ~/ as the shell would', async () => {
      keygen(join(home, '.ssh', 'lab_key'));
      assert.deepEqual(labels(await planAuth('~/.ssh/lab_key', {}, home)), [`key ${join(home, '.ssh', 'lab_key')}`]);
      assert.equal(expandHome('~/x', '/home/op'), '/home/op/x');
      assert.equal(expandHome('rel/~/x', '/home/op'), 'rel/~/x');
    });

    it('names the path when the file is missing, a folder, or a public key', async () => {
      keygen(join(home, 'k'));
      const cases: Array<[string, string]> = [
        [join(home, 'missing'), `private key file ${join(home, 'missing')} does not exist`],
        [home, `private key file ${home} is a folder, not a key file`],
        [join(home, 'k.pub'), `private key file ${join(home, 'k.pub')} is a public key, not a private key`],
      ];
      for (const [path, detail] of cases) {
        assert.deepEqual(await planAuth(path, {}, home), { ok: false, reason: 'private-key', detail });
      }
    });

    it('refuses a key that group or others may read or write, as OpenSSH does, saying how to fix it', async () => {
      const key = join(home, 'lab_key');
      keygen(key);
      for (const mode of [0o644, 0o640, 0o604, 0o620, 0o660, 0o755]) {
        await chmod(key, mode);
        const octal = `0${mode.toString(8)}`;
        assert.deepEqual(await planAuth(key, agent, home), {
          ok: false,
          reason: 'private-key',
          detail: `permissions ${octal} for ${key} are too open: it must not be readable by others (chmod 600 ${key})`,
        });
      }
      for (const mode of [0o600, 0o400, 0o700]) {
        await chmod(key, mode);
        assert.deepEqual(labels(await planAuth(key, {}, home)), [`key ${key}`], `0${mode.toString(8)}`);
      }
    });

    it('says a FIFO is not a key file instead of waiting on it', async () => {
      execFileSync('mkfifo', [join(home, 'fifo')]);
      assert.deepEqual(await planAuth(join(home, 'fifo'), {}, home), {
        ok: false,
        reason: 'private-key',
        detail: `private key file ${join(home, 'fifo')} is not a regular file`,
      });
    });

    it('refuses a passphrase-protected key without an agent, and falls back to the agent with one', async () => {
      keygen(join(home, 'locked'), 'ed25519', 'secret');
      const alone = await planAuth(join(home, 'locked'), {}, home);
      assert.equal(alone.ok, false);
      assert.match(alone.ok ? '' : alone.detail, /locked is passphrase-protected: give its passphrase at the prompt \(lvsplay asks on a terminal\), or load it into ssh-agent/);
      assert.deepEqual(labels(await planAuth(join(home, 'locked'), agent, home)), ['ssh-agent (/run/user/0/agent.sock)']);
    });

    it('opens a passphrase-protected key with the passphrase asked for, when there is no agent; a wrong one is named', async () => {
      keygen(join(home, 'locked'), 'ed25519', 'secret');
      const asked: string[] = [];
      const answer = (text: string | undefined) => async (path: string) => {
        asked.push(path);
        return text;
      };
      const opened = await planAuth(join(home, 'locked'), {}, home, answer('secret'));
      assert.ok(opened.ok);
      assert.deepEqual(
        opened.methods.map((m) => [m.label, m.type === 'publickey' && m.passphrase]),
        [[`key ${join(home, 'locked')}`, 'secret']],
      );
      const wrong = await planAuth(join(home, 'locked'), {}, home, answer('guess'));
      assert.deepEqual(wrong, { ok: false, reason: 'private-key', detail: `private key file ${join(home, 'locked')} did not open with the passphrase given` });
      // No terminal to ask on: as without an asker.
      assert.equal((await planAuth(join(home, 'locked'), {}, home, answer(undefined))).ok, false);
      // With an agent, the agent is tried and nothing is asked, as ssh does.
      asked.length = 0;
      assert.deepEqual(labels(await planAuth(join(home, 'locked'), agent, home, answer('secret'))), ['ssh-agent (/run/user/0/agent.sock)']);
      assert.deepEqual(asked, []);
    });
  });

  describe('without one', () => {
    it('offers the first default key that exists, then the agent', async () => {
      keygen(join(home, '.ssh', 'id_ecdsa'), 'ecdsa');
      keygen(join(home, '.ssh', 'id_rsa'), 'rsa');
      assert.deepEqual(labels(await planAuth(undefined, agent, home)), [`key ${join(home, '.ssh', 'id_ecdsa')}`, 'ssh-agent (/run/user/0/agent.sock)']);
      assert.deepEqual(labels(await planAuth(undefined, {}, home)), [`key ${join(home, '.ssh', 'id_ecdsa')}`]);
    });

    it('prefers id_ed25519 over the others, as OpenSSH orders them', async () => {
      keygen(join(home, '.ssh', 'id_rsa'), 'rsa');
      keygen(join(home, '.ssh', 'id_ed25519'));
      assert.deepEqual(labels(await planAuth(undefined, {}, home)), [`key ${join(home, '.ssh', 'id_ed25519')}`]);
    });

    it('skips a passphrase-protected default key, saying so, and uses the agent', async () => {
      keygen(join(home, '.ssh', 'id_ed25519'), 'ed25519', 'secret');
      const plan = await planAuth(undefined, agent, home);
      assert.deepEqual(labels(plan), ['ssh-agent (/run/user/0/agent.sock)']);
      assert.deepEqual(plan.ok && plan.notes, [`${join(home, '.ssh', 'id_ed25519')} skipped: it is passphrase-protected`]);
    });

    it('leaves out a default key others may read, with a warning, and uses the agent', async () => {
      const key = join(home, '.ssh', 'id_ed25519');
      keygen(key);
      await chmod(key, 0o644);
      const plan = await planAuth(undefined, agent, home);
      assert.deepEqual(labels(plan), ['ssh-agent (/run/user/0/agent.sock)']);
      const note = `${key} skipped: permissions 0644 for ${key} are too open: it must not be readable by others (chmod 600 ${key})`;
      assert.deepEqual(plan.ok && [plan.notes, plan.warnings], [[note], [note]]);
      const alone = await planAuth(undefined, {}, home);
      assert.equal(alone.ok, false);
      assert.match(alone.ok ? '' : alone.detail, new RegExp(`SSH_AUTH_SOCK is not set, and ${key} skipped: permissions 0644 for ${key} are too open`));
    });

    it('uses the agent alone when there is no key file', async () => {
      assert.deepEqual(labels(await planAuth(undefined, agent, home)), ['ssh-agent (/run/user/0/agent.sock)']);
    });

    it('says what it looked for when there is nothing to offer', async () => {
      assert.deepEqual(await planAuth(undefined, { SSH_AUTH_SOCK: '' }, home), {
        ok: false,
        reason: 'auth',
        detail: 'no way to authenticate: no privateKey is set for this host, SSH_AUTH_SOCK is not set, and none of ~/.ssh/id_ed25519, ~/.ssh/id_ecdsa, ~/.ssh/id_rsa exists',
      });
    });
  });

  describe('for every host of a run, before connecting', () => {
    const host = (name: string, privateKey?: string) => ({ name, route: directRoute({ host: '127.0.0.1', port: 22 as Port, user: 'root', ...(privateKey && { privateKey }) }) });

    it('names each host whose key cannot be used, with the field, in one error', async () => {
      keygen(join(home, 'good'));
      keygen(join(home, 'open'));
      await chmod(join(home, 'open'), 0o644);
      const error = await checkCredentials([host('router', join(home, 'good')), host('rs1', join(home, 'open')), host('rs2', join(home, 'missing')), host('rs3', join(home, 'open'))], {}, home).then(
        () => assert.fail('expected a CredentialError'),
        (error: unknown) => error,
      );
      assert.ok(error instanceof CredentialError);
      const open = `permissions 0644 for ${join(home, 'open')} are too open: it must not be readable by others (chmod 600 ${join(home, 'open')})`;
      assert.deepEqual(error.issues, [
        { subject: 'host rs1', field: 'ssh.privateKey', message: open },
        { subject: 'host rs2', field: 'ssh.privateKey', message: `private key file ${join(home, 'missing')} does not exist` },
        { subject: 'host rs3', field: 'ssh.privateKey', message: open },
      ]);
      assert.equal(
        error.message,
        `cannot authenticate to 3 hosts; no host was connected to\nhost rs1, ssh.privateKey: ${open}\nhost rs2, ssh.privateKey: private key file ${join(home, 'missing')} does not exist\nhost rs3, ssh.privateKey: ${open}`,
      );
    });

    it('passes when every host can authenticate, returning each warning once', async () => {
      keygen(join(home, 'good'));
      keygen(join(home, '.ssh', 'id_ed25519'));
      await chmod(join(home, '.ssh', 'id_ed25519'), 0o640);
      const warnings = await checkCredentials([host('router', join(home, 'good')), host('rs1'), host('rs2')], agent, home);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /id_ed25519 skipped: permissions 0640 for .* are too open/);
    });
  });
});
