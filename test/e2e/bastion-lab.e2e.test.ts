// Smoke test of the dr-bastion lab (issue 13): booted once, it is what an operator reaches production
// through: only the bastion has a management port, the other VMs are reached over the lab network through it,
// as `deploy` with the key in an ssh-agent, root is refused, and sudo asks for a password on rs2 only.
// The OpenSSH client is the operator here; lvsplay's own suite builds on the same lab and operator home.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { operatorHome, startLab, type Lab, type OperatorHome } from '../lab/lab.ts';
import { isAlive, run, type RunResult } from '../lab/proc.ts';

const HOSTS = ['client', 'router', 'lvs', 'rs1', 'rs2', 'bastion'] as const;

describe('VM lab (dr-bastion topology)', function () {
  this.timeout(15 * 60e3);
  let lab: Lab<'dr-bastion'> | undefined;
  let home: OperatorHome | undefined;

  before(async function () {
    try {
      lab = await startLab('dr-bastion');
      home = await operatorHome(lab);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new Error(`the dr-bastion lab could not start (end-to-end tests need it): ${message}`);
    }
  });

  after(async function () {
    await home?.cleanup();
    await lab?.stop();
  });

  const up = (): { lab: Lab<'dr-bastion'>; home: OperatorHome } => {
    assert.ok(lab && home, 'lab did not start');
    return { lab, home };
  };

  /** The operator's OpenSSH client: the home's config (passed on to the jump), the agent, never a prompt. */
  const operatorSsh = (args: readonly string[], input?: string): Promise<RunResult> =>
    run('ssh', ['-F', up().home.sshConfig, '-o', 'BatchMode=yes', ...args], {
      env: { ...process.env, ...up().home.env },
      timeoutMs: 120_000,
      ...(input === undefined ? {} : { input }),
    });

  it('gives only the bastion a management NIC, restricted, with a forwarded ssh port', async function () {
    const { lab } = up();
    for (const host of HOSTS) {
      const cmdline = await readFile(join(lab.dir, host, 'qemu.cmdline'), 'utf8');
      if (host === 'bastion') {
        assert.match(cmdline, /-netdev user,id=mgmt,restrict=on,ipv6=off,hostfwd=tcp:127\.0\.0\.1:\d+-:22\b/);
        assert.equal(lab.bastion?.access.host, '127.0.0.1');
        assert.ok(cmdline.includes(`hostfwd=tcp:127.0.0.1:${lab.bastion?.access.port}-:22`), cmdline);
      } else {
        assert.doesNotMatch(cmdline, /-netdev user|hostfwd|guestfwd/, `${host}: ${cmdline}`);
      }
    }
    const nics = await lab.ssh('rs1', 'ls /sys/class/net');
    assert.equal(nics.code, 0, nics.stderr);
    assert.deepEqual(nics.stdout.trim().split(/\s+/).sort(), ['eth0', 'lo']);
  });

  it('reaches rs1 as deploy with ssh -J deploy@bastion, the key only in an ssh-agent of the test', async function () {
    const { home } = up();
    const keys = await run('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: home.sshAuthSock } });
    assert.equal(keys.code, 0, keys.stderr);
    assert.equal(keys.stdout.trim().split('\n').length, 1, keys.stdout);
    assert.match(keys.stdout, /lvsplay-lab \(ED25519\)/);
    const result = await operatorSsh(['-J', 'deploy@bastion', 'deploy@rs1', 'id -un; hostname; ip -o -4 addr show dev eth0']);
    assert.equal(result.code, 0, result.stderr);
    const [user, hostname, address] = result.stdout.trim().split('\n');
    assert.equal(user, 'deploy');
    assert.equal(hostname, 'rs1');
    assert.match(address ?? '', /inet 192\.168\.10\.71\/24/);
  });

  it('reaches every managed host by its alias alone (ProxyJump in ~/.ssh/config), each checked against its own host key', async function () {
    const { lab, home } = up();
    assert.deepEqual([...home.aliases].sort(), ['bastion', 'lvs', 'router', 'rs1', 'rs2']);
    const keys = Object.values(lab.bastion?.hostKeys ?? {});
    assert.equal(new Set(keys).size, HOSTS.length, `one host key per VM: ${keys.join('\n')}`);
    for (const host of ['router', 'lvs', 'rs2'] as const) {
      const result = await operatorSsh([host, 'hostname']);
      assert.equal(result.code, 0, `${host}: ${result.stderr}`);
      assert.equal(result.stdout.trim(), host);
    }
  });

  it('refuses root on rs1', async function () {
    const result = await operatorSsh(['-J', 'deploy@bastion', 'root@rs1', 'true']);
    assert.equal(result.code, 255, result.stdout);
    assert.match(result.stderr, /root@(rs1|192\.168\.10\.71): Permission denied \(publickey\)/);
  });

  it('lets deploy sudo without a password on rs1', async function () {
    const result = await operatorSsh(['rs1', 'sudo -n true && sudo -n id -u']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), '0');
  });

  it('asks for the password on rs2: sudo -n fails with "a password is required"', async function () {
    const result = await operatorSsh(['rs2', 'sudo -n true']);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /sudo: a password is required/);
  });

  it('lets deploy sudo on rs2 with the password on stdin (sudo -S)', async function () {
    const { lab } = up();
    const password = lab.bastion?.deployPassword;
    assert.ok(password);
    const wrong = await operatorSsh(['rs2', "sudo -S -p '' id -u"], 'not-the-password\n');
    assert.notEqual(wrong.code, 0, wrong.stdout);
    const result = await operatorSsh(['rs2', "sudo -S -p '' id -u"], `${password}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), '0');
  });

  it('lets the hosts behind the bastion install from the lab repository through it', async function () {
    const { lab } = up();
    const result = await lab.ssh('lvs', 'apt-get update -q >/dev/null && apt-cache policy ipvsadm', { timeoutMs: 300_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Candidate: \d/);
    assert.match(result.stdout, /http:\/\/192\.168\.10\.90:8080 \.\//);
  });

  it('reaches the client through the bastion and the router', async function () {
    const result = await up().lab.ssh('client', 'hostname; ip -o -4 addr show dev eth0');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^client\n.*inet 192\.168\.30\.100\/24/);
  });

  it('keeps all of it across a reboot of the bastion and a VM behind it', async function () {
    const { lab } = up();
    await lab.reboot(['bastion', 'rs1']);
    const root = await operatorSsh(['root@rs1', 'true']);
    assert.equal(root.code, 255);
    const sudo = await operatorSsh(['rs1', 'sudo -n id -u']);
    assert.equal(sudo.code, 0, sudo.stderr);
    assert.equal(sudo.stdout.trim(), '0');
    const relay = await lab.ssh('rs1', 'curl -sf --max-time 20 -o /dev/null -w %{http_code} http://192.168.10.90:8080/Release');
    assert.equal(relay.stdout, '200', relay.stderr);
  });

  it('stops cleanly: the agent and the operator home are gone, and stop() can be called again', async function () {
    const { lab, home } = up();
    const agents = await run('pgrep', ['-f', `ssh-agent -D -a ${home.sshAuthSock}`]);
    const pids = agents.stdout.trim().split('\n').filter(Boolean).map(Number);
    assert.equal(pids.length, 1, `one agent for ${home.sshAuthSock}: ${agents.stdout}`);
    await home.cleanup();
    assert.ok(!isAlive(pids[0]!), 'the ssh-agent was stopped');
    assert.ok(!existsSync(home.home), 'the operator home was removed');
    await home.cleanup();
    await lab.stop();
    assert.ok(!existsSync(lab.dir));
    await lab.stop();
  });
});
