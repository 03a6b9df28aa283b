// The apply script run by a real local dash (Debian's sh) and bash (sh on others), on files in a temp folder:
// the same script lvsplay sends to `sh -s`.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyScript, applySteps, parseApplyOutput, splitApplyOutput, type Step } from '../../../src/apply/script.ts';
import type { DesiredItem, HostState } from '../../../src/desired/state.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import { planHost } from '../../../src/plan/plan.ts';
import { NO_FACTS } from '../plan/no-facts.ts';

const HOST: Host = { name: 'h', ssh: { host: 'h', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['router'], extraAddresses: [], state: 'present' };

function run(shell: string, script: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(shell, ['-s'], (error, stdout) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? Number(error.code) : 0, stdout });
    });
    child.stdin!.end(script);
  });
}

function fileItem(path: string, content: string, mode = 0o644): DesiredItem {
  return { kind: 'file', path, content, mode, notify: [], roles: ['router'] };
}

for (const shell of ['dash', 'bash'])
  describe(`the apply script, run by ${shell}`, () => {
    const sh = (script: string) => run(shell, script);
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lvsplay-apply-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    function scriptFor(items: DesiredItem[]): string {
      const state: HostState = { host: HOST, roles: ['router'], items };
      // Backups go under the temp folder too: the script takes their root from the run id.
      return applyScript(applySteps(planHost(state, NO_FACTS)), 'run-1').replace(/^lvsplay_backup=.*$/m, `lvsplay_backup='${dir}/backup'`);
    }

    it('writes files whole with their mode, creating folders, and keeps what it replaced', async () => {
      const target = join(dir, 'etc/sysctl.d/90-x.conf');
      await mkdir(join(dir, 'etc/sysctl.d'), { recursive: true });
      await writeFile(target, 'old\n');
      const content = 'net.ipv4.ip_forward = 1\n# quotes \' " $HOME `x` and no trailing newline';
      // Past 16 kB a file travels gzipped instead of as a quoted word; a mode with exec bits needs a chmod.
      const big = `${'-a -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 1\n'.repeat(2000)}# ' \\ $x\n`;
      const items = [fileItem(target, content, 0o600), fileItem(join(dir, 'new/dir/file'), 'x\n'), fileItem(join(dir, 'big'), big, 0o640), fileItem(join(dir, 'run.sh'), '#!/bin/sh\n', 0o755)];
      const result = await sh(scriptFor(items));
      assert.equal(result.code, 0, result.stdout);
      assert.deepEqual(parseApplyOutput(result.stdout), { ok: [1, 2, 3, 4] });
      assert.equal(await readFile(target, 'utf8'), content);
      assert.equal((await stat(target)).mode & 0o777, 0o600);
      assert.equal(await readFile(join(dir, 'new/dir/file'), 'utf8'), 'x\n');
      assert.equal((await stat(join(dir, 'new/dir/file'))).mode & 0o777, 0o644);
      assert.equal(await readFile(join(dir, 'big'), 'utf8'), big);
      assert.equal((await stat(join(dir, 'big'))).mode & 0o777, 0o640);
      assert.equal((await stat(join(dir, 'run.sh'))).mode & 0o777, 0o755);
      assert.equal(await readFile(join(dir, 'backup', target), 'utf8'), 'old\n');
      assert.deepEqual((await readdir(join(dir, 'etc/sysctl.d'))).sort(), ['90-x.conf'], 'no temp file left behind');
    });

    it('after a failing step runs no later one, names it, and still reaches its read-back', async () => {
      const blocked = join(dir, 'file-not-dir');
      await writeFile(blocked, '');
      const steps = applySteps(planHost({ host: HOST, roles: ['router'], items: [fileItem(join(dir, 'a'), 'a'), fileItem(join(blocked, 'b'), 'b'), fileItem(join(dir, 'c'), 'c')] }, NO_FACTS));
      const script = applyScript(steps, 'run-1', 'echo read-back here').replace(/^lvsplay_backup=.*$/m, `lvsplay_backup='${dir}/backup'`);
      const result = await sh(script);
      const parts = splitApplyOutput(result.stdout);
      assert.equal(parts?.readBack, 'read-back here\n');
      const outcome = parseApplyOutput(parts!.steps);
      assert.deepEqual(outcome.ok, [1]);
      assert.equal(outcome.failed?.id, 2);
      assert.equal(outcome.failed?.code, 1, 'lvsplay_write returns 1');
      assert.match(outcome.failed!.output, /file-not-dir/);
      assert.deepEqual((await readdir(dir)).sort(), ['a', 'file-not-dir']);
    });

    it("reports a failing step's own exit status and output, and runs no later step", async () => {
      const step = (id: number, body: string): Step => ({ id, title: `step ${id}`, items: [], body });
      const steps = [step(1, 'echo one'), step(2, 'echo partial; return 3'), step(3, 'echo three')];
      const result = await sh(applyScript(steps, 'run-1', 'echo read-back here'));
      const parts = splitApplyOutput(result.stdout);
      assert.equal(parts?.readBack, 'read-back here\n');
      assert.deepEqual(parseApplyOutput(parts!.steps), { ok: [1], failed: { id: 2, code: 3, output: 'partial' } });
      assert.doesNotMatch(result.stdout, /three/);
      // A step that ends its subshell with exit rather than return.
      const exited = await sh(applyScript([step(1, 'exit 7')], 'run-1'));
      assert.deepEqual(parseApplyOutput(exited.stdout), { ok: [], failed: { id: 1, code: 7, output: '' } });
    });
  });

describe('the apply script, pure parts', () => {
  it('an output cut short has no read-back part', () => {
    assert.equal(splitApplyOutput('@@lvsplay-step 1 ok\n'), undefined);
  });

  it('enables all changed units with one systemctl and no reload of its own, then starts those to start now', () => {
    const unit = (name: string, startNow: boolean): DesiredItem => ({ kind: 'unit', name, startNow, roles: ['router'] });
    const steps = applySteps(planHost({ host: HOST, roles: ['router'], items: [unit('a.service', true), unit('b@1.service', false)] }, NO_FACTS));
    assert.deepEqual(
      steps.map((s) => [s.body, s.items.length]),
      [
        ['systemctl enable --no-reload a.service b@1.service', 2],
        ['systemctl start a.service', 1],
      ],
    );
  });
});
