// Issue 13 on the dr-bastion lab, booted once: what an operator reaches production through (only the bastion
// has a management port, the other VMs are reached over the lab network through it, as `deploy` with the key
// in an ssh-agent, root is refused, sudo asks for a password on rs2 only), first proven with the OpenSSH
// client; then lvsplay, given only that operator's ~/.ssh/config and agent, converges the seed's DR cluster
// through the bastion with sudo, and refuses a wrong host key for the bastion or for a host behind it.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEPLOY_PASSWORD, operatorHome, startLab, type Lab, type OperatorHome } from '../lab/lab.ts';
import { isAlive, run, type RunResult } from '../lab/proc.ts';
import { sh } from './dr-lab.ts';
import { failureText, lvsplay, type CliResult, type JsonHost } from './lvsplay.ts';

const HOSTS = ['client', 'router', 'lvs', 'rs1', 'rs2', 'bastion'] as const;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VIP = '192.168.10.100';
const MANAGED = ['router', 'lvs', 'rs1', 'rs2'];

type BastionLab = Lab<'dr-bastion'>;

describe('lvsplay through a bastion, as deploy with sudo, from ~/.ssh/config (dr-bastion lab, issue 13)', function () {
  this.timeout(20 * 60e3);
  let lab: Lab<'dr-bastion'> | undefined;
  let home: OperatorHome | undefined;
  let inventory = '';

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

  /** lvsplay as the operator: their HOME (config, known_hosts) and agent; nothing of this process's own. */
  async function operatorRun(args: readonly string[], extra: Record<string, string> = {}): Promise<CliResult & { hosts: JsonHost[] }> {
    const { HOME: _home, SSH_AUTH_SOCK: _sock, LVSPLAY_BECOME_PASSWORD: _password, ...rest } = process.env;
    const result = await lvsplay([...args, '--json'], 10 * 60_000, { ...rest, ...up().home.env, ...extra });
    try {
      return { ...result, hosts: (JSON.parse(result.stdout) as { hosts: JsonHost[] }).hosts };
    } catch {
      return { ...result, hosts: [] };
    }
  }

  /** The seed's DR inventory as it is: hosts named by the aliases of ~/.ssh/config, no ssh fields, become for all. */
  async function writeInventory(): Promise<string> {
    const file = join(up().home.home, 'dr.bastion.ts');
    const text = [
      "import { defineInventory } from 'lvsplay';",
      `import seed from ${JSON.stringify(join(ROOT, 'inventories', 'dr.ts'))};`,
      'export default defineInventory({ ...seed, defaults: { become: true } });',
      '',
    ].join('\n');
    await writeFile(file, text);
    return file;
  }

  it('converges the DR cluster through the bastion, with sudo; rs2 without its sudo password fails, named, and succeeds with it; curl alternates; a second run changes nothing', async function () {
    const { lab } = up();
    inventory = await writeInventory();
    const without = await operatorRun(['run', inventory]);
    assert.equal(without.code, 1, `${without.stdout}\n${without.stderr}`);
    const rs2 = without.hosts.find((h) => h.host === 'rs2');
    assert.equal(rs2?.status, 'failed', JSON.stringify(rs2));
    assert.match(rs2?.error ?? '', /become \(sudo\) needs a password: give it with --ask-become-pass or LVSPLAY_BECOME_PASSWORD/);
    for (const host of ['router', 'lvs', 'rs1']) assert.notEqual(without.hosts.find((h) => h.host === host)?.status, 'failed', failureText(without.hosts));

    // While the run with the password goes on, rs2's process list is sampled by the lab's own root access.
    const sampling = sampleProcesses(lab, 'rs2');
    const withPassword = await operatorRun(['run', inventory], { LVSPLAY_BECOME_PASSWORD: DEPLOY_PASSWORD });
    const seen = await sampling.stop();
    assert.equal(withPassword.code, 0, failureText(withPassword.hosts) || withPassword.stderr);
    assert.ok(seen.samples > 0, 'no process list of rs2 was read during the run');
    assert.ok(!seen.text.includes(DEPLOY_PASSWORD), "the password was in rs2's process list");
    for (const result of [without, withPassword]) assert.ok(!`${result.stdout}${result.stderr}`.includes(DEPLOY_PASSWORD), 'the password was in lvsplay output');

    const answers = (await sh(lab, 'client', `for i in $(seq 4); do curl -s --max-time 5 http://${VIP}/ || echo FAILED; done`)).trim().split('\n');
    assert.ok(
      answers.every((who, i) => (who === 'rs1' || who === 'rs2') && (i === 0 || who !== answers[i - 1])),
      `curl ${VIP}: ${answers.join(', ')}`,
    );
    const again = await operatorRun(['run', inventory], { LVSPLAY_BECOME_PASSWORD: DEPLOY_PASSWORD });
    assert.equal(again.code, 0, failureText(again.hosts));
    assert.deepEqual(
      again.hosts.map((h) => [h.host, h.tally.changed]),
      MANAGED.map((host) => [host, 0]),
    );
  });

  it('refuses a wrong host key for the bastion, naming the bastion, and for a host behind it, naming that host', async function () {
    const { lab, home } = up();
    const known = await readFile(home.knownHosts, 'utf8');
    const bastionLine = known.split('\n').find((line) => line.startsWith('[127.0.0.1]:'))!;
    const rs1Line = known.split('\n').find((line) => line.startsWith('192.168.10.71 '))!;
    const keyOf = (line: string) => line.split(' ').slice(1).join(' ');
    const dir = join(home.home, 'wrong');
    await mkdir(dir, { recursive: true });

    // The bastion's entry carries rs1's key: every host is behind it, so every host fails, naming the bastion.
    const wrongBastion = join(dir, 'bastion');
    await writeFile(wrongBastion, known.replace(bastionLine, `${bastionLine.split(' ')[0]} ${keyOf(rs1Line)}`));
    const refused = await operatorRun(['run', inventory, '--check', '--known-hosts', wrongBastion], { LVSPLAY_BECOME_PASSWORD: DEPLOY_PASSWORD });
    assert.equal(refused.code, 1);
    for (const host of MANAGED) {
      const report = refused.hosts.find((h) => h.host === host);
      assert.equal(report?.status, 'unreachable', `${host}: ${JSON.stringify(report)}`);
      assert.match(report?.error ?? '', new RegExp(`through bastion deploy@127\\.0\\.0\\.1:${lab.bastion!.access.port}: host key .*does not match`), host);
    }

    // rs1's entry carries the bastion's key: only rs1 fails, named as itself, not the bastion.
    const wrongTarget = join(dir, 'rs1');
    await writeFile(wrongTarget, known.replace(rs1Line, `192.168.10.71 ${keyOf(bastionLine)}`));
    const one = await operatorRun(['run', inventory, '--check', '--known-hosts', wrongTarget], { LVSPLAY_BECOME_PASSWORD: DEPLOY_PASSWORD });
    assert.equal(one.code, 1);
    const rs1 = one.hosts.find((h) => h.host === 'rs1');
    assert.equal(rs1?.status, 'unreachable', JSON.stringify(rs1));
    assert.match(rs1?.error ?? '', /^rs1 \(192\.168\.10\.71:22\): host key .*does not match/);
    assert.doesNotMatch(rs1?.error ?? '', /through bastion/);
    for (const host of ['router', 'lvs', 'rs2']) assert.equal(one.hosts.find((h) => h.host === host)?.status, 'ok', failureText(one.hosts));
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
    // What lvsplay made on rs1 (the VIP on lo, the ARP sysctls) came back with it: curl still reaches both.
    const answers = (await sh(lab, 'client', `for i in $(seq 4); do curl -s --max-time 5 http://${VIP}/ || echo FAILED; done`)).trim().split('\n');
    assert.deepEqual([...new Set(answers)].sort(), ['rs1', 'rs2'], `curl ${VIP} after the reboot: ${answers.join(', ')}`);
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

/** `ps -eo args` on `host` every 200 ms, through the lab's own root access, until stop(). */
function sampleProcesses(lab: BastionLab, host: 'rs1' | 'rs2'): { stop(): Promise<{ samples: number; text: string }> } {
  let running = true;
  let samples = 0;
  let text = '';
  const loop = (async () => {
    while (running) {
      const result = await lab.ssh(host, 'ps -eo args; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"');
      if (result.code === 0) {
        samples++;
        text += result.stdout;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, text };
    },
  };
}
