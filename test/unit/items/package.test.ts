// The package item kind: its verdicts on the packages fact, one install step per host, the apt-get step run
// by dash and bash inside the apply script against a stand-in apt-get (the shell's whole PATH: nothing is
// installed), its read-back, and that nothing of it is recorded.
import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyScript, applySteps, parseApplyOutput, splitApplyOutput, type Step } from '../../../src/apply/script.ts';
import type { DesiredItem, HostState, PackageItem } from '../../../src/desired/state.ts';
import type { PackagesFact } from '../../../src/facts/packages.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import { packageKind } from '../../../src/items/package.ts';
import { readBackItem, readBackRequestOf, recordsOf } from '../../../src/items/registry.ts';
import { pendingItems, planHost } from '../../../src/plan/plan.ts';
import { NO_FACTS } from '../plan/no-facts.ts';

const HOST: Host = { name: 'lvs', ssh: { host: 'lvs', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['director-dr'], extraAddresses: [], state: 'present' };

const pkg = (name: string): DesiredItem => ({ kind: 'package', name, roles: ['director-dr'] });
const IPVSADM: PackageItem = { kind: 'package', name: 'ipvsadm' };

const debian = (installed: string[]): PackagesFact => ({ query: 'dpkg-query', installer: 'apt-get', installed: new Set(installed) });

function planOn(packages: PackagesFact, names = ['ipvsadm', 'keepalived']) {
  const state: HostState = { host: HOST, roles: ['director-dr'], items: names.map(pkg) };
  return planHost(state, { ...NO_FACTS, packages });
}

function stepsOn(packages: PackagesFact, names?: string[]): Step[] {
  return applySteps(planOn(packages, names));
}

describe('the package item kind', () => {
  it('is ok when installed, a change naming the installer when missing, a failure when nothing can install it', () => {
    const verdict = (packages: PackagesFact) => packageKind.plan(IPVSADM, { packages });
    assert.deepEqual(verdict(debian(['ipvsadm'])), { verdict: { status: 'ok', reason: 'ipvsadm is installed' } });
    assert.deepEqual(verdict(debian([])), { verdict: { status: 'change', reason: 'ipvsadm is not installed: apt-get installs it' }, installer: 'apt-get' });
    assert.deepEqual(verdict({ query: 'rpm', installer: 'yum', installed: new Set() }), { verdict: { status: 'change', reason: 'ipvsadm is not installed: yum installs it' }, installer: 'yum' });
    assert.deepEqual(verdict({ query: 'dpkg-query', installer: undefined, installed: new Set() }), {
      verdict: { status: 'fail', reason: 'ipvsadm is not installed and the host has no apt-get to install it: install it by hand' },
    });
    assert.deepEqual(verdict({ query: 'rpm', installer: undefined, installed: new Set() }), {
      verdict: { status: 'fail', reason: 'ipvsadm is not installed and the host has no dnf or yum to install it: install it by hand' },
    });
  });

  it('leaves a host with neither dpkg-query nor rpm alone, saying it could not check', () => {
    assert.deepEqual(packageKind.plan(IPVSADM, { packages: { query: 'none' } }), {
      verdict: { status: 'ok', reason: 'ipvsadm not checked: the host has neither dpkg-query nor rpm to tell, and lvsplay installs only with apt-get, dnf or yum' },
    });
  });

  it('is keyed and named by its package, and asks the packages fact for it', () => {
    assert.equal(packageKind.key(IPVSADM), 'package ipvsadm');
    assert.equal(packageKind.describe(IPVSADM), 'package ipvsadm installed');
    assert.deepEqual(packageKind.facts(IPVSADM, []), { packages: ['ipvsadm'] });
  });

  it('installs every missing package of a host in one step, and none that is there', () => {
    const [step, ...rest] = stepsOn(debian(['keepalived']), ['ipvsadm', 'keepalived', "it's"]);
    assert.deepEqual(rest, []);
    assert.equal(step!.title, "apt-get install ipvsadm 'it'\\''s'");
    assert.deepEqual(
      step!.items.map((item) => item.kind === 'package' && item.name),
      ['ipvsadm', "it's"],
    );
    const install = "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-remove -o DPkg::Lock::Timeout=60 ipvsadm 'it'\\''s' </dev/null";
    assert.equal(step!.body, `${install} ||\n{ apt-get update -q </dev/null && ${install}; }`);
    assert.deepEqual(stepsOn(debian(['ipvsadm', 'keepalived'])), []);
  });

  it('installs with dnf or yum on the RHEL family, and has no step for a package it cannot install', () => {
    const rpm = (installer: 'dnf' | 'yum' | undefined): PackagesFact => ({ query: 'rpm', installer, installed: new Set() });
    assert.deepEqual(
      stepsOn(rpm('dnf')).map((s) => [s.title, s.body]),
      [['dnf install ipvsadm keepalived', 'dnf install -y -q ipvsadm keepalived </dev/null']],
    );
    assert.deepEqual(
      stepsOn(rpm('yum')).map((s) => [s.title, s.body]),
      [['yum install ipvsadm keepalived', 'yum install -y -q ipvsadm keepalived </dev/null']],
    );
    assert.deepEqual(stepsOn(rpm(undefined)), []);
  });

  it('reads a change back from the packages fact again: ok once installed, still a change if not', () => {
    const [planned] = pendingItems(planOn(debian([]), ['ipvsadm']));
    assert.deepEqual(readBackRequestOf([planned!]).packages, ['ipvsadm']);
    assert.equal(readBackItem(planned!, { ...NO_FACTS, packages: debian(['ipvsadm']) }).verdict.status, 'ok');
    assert.equal(readBackItem(planned!, { ...NO_FACTS, packages: debian([]) }).verdict.status, 'change');
  });

  it('records nothing in the manifest: a package is never removed', () => {
    assert.deepEqual(recordsOf([IPVSADM]), []);
    assert.equal(packageKind.record, undefined);
    assert.equal(packageKind.planRemoval, undefined);
  });
});

/** Runs `script` as lvsplay does (`sh -s`, the script on stdin), with PATH holding only `bin`. */
function runScript(shell: string, script: string, bin: string): Promise<string> {
  const path = execFileSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' }).trim();
  return new Promise((resolve, reject) => {
    const child = execFile(path, ['-s'], { env: { PATH: bin } }, (error, stdout) => (error && typeof error.code !== 'number' ? reject(error) : resolve(stdout)));
    child.stdin!.end(script);
  });
}

/**
 * A stand-in apt-get: logs each call with DEBIAN_FRONTEND and any stdin line it could read; `install` fails
 * as on a host with empty lists until `update` ran, or always when `broken` exists.
 */
const FAKE_APT_GET = (dir: string) => `#!/bin/sh
echo "DEBIAN_FRONTEND=\${DEBIAN_FRONTEND-} apt-get $*" >> ${dir}/log
if read -r line; then echo "stdin: $line" >> ${dir}/log; fi
case $1 in
  update) : > ${dir}/updated; echo 'Reading package lists...' ;;
  install)
    if [ -e ${dir}/updated ] && [ ! -e ${dir}/broken ]; then echo "Setting up $8 ..."; exit 0; fi
    echo "E: Unable to locate package $8"; exit 100 ;;
esac
`;

for (const shell of ['dash', 'bash'])
  describe(`the apt-get step in the apply script, run by ${shell} against a stand-in apt-get`, () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'lvsplay-package-'));
      writeFileSync(join(dir, 'apt-get'), FAKE_APT_GET(dir));
      chmodSync(join(dir, 'apt-get'), 0o755);
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    // Past the shell's read buffer, so that the script's rest is still in the pipe while apt-get runs.
    const READ_BACK = `${`# ${'x'.repeat(1000)}\n`.repeat(200)}echo read-back ran\n`;

    /** The steps' outcome, apt-get's calls, and the read-back's output: there only if apt-get left the script alone. */
    async function apply() {
      const script = applyScript(stepsOn(debian([]), ['ipvsadm']), 'run-1', READ_BACK);
      const parts = splitApplyOutput(await runScript(shell, script, dir));
      assert.ok(parts, 'the script stopped before its end');
      return { outcome: parseApplyOutput(parts.steps), log: readFileSync(join(dir, 'log'), 'utf8').trimEnd().split('\n'), readBack: parts.readBack };
    }

    const INSTALL = 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-remove -o DPkg::Lock::Timeout=60 ipvsadm';

    it('installs without updating the lists when the install succeeds, and reads nothing of the script', async () => {
      writeFileSync(join(dir, 'updated'), '');
      const { outcome, log, readBack } = await apply();
      assert.deepEqual(outcome, { ok: [1] });
      assert.deepEqual(log, [INSTALL]);
      assert.equal(readBack, 'read-back ran\n');
    });

    it('updates the lists and tries once more when the install fails', async () => {
      const { outcome, log, readBack } = await apply();
      assert.deepEqual(outcome, { ok: [1] });
      assert.deepEqual(log, [INSTALL, 'DEBIAN_FRONTEND= apt-get update -q', INSTALL]);
      assert.ok(existsSync(join(dir, 'updated')));
      assert.equal(readBack, 'read-back ran\n');
    });

    it("fails the step with apt-get's own words when the second install fails too", async () => {
      writeFileSync(join(dir, 'broken'), '');
      const { outcome, log, readBack } = await apply();
      assert.deepEqual(outcome, {
        ok: [],
        failed: { id: 1, code: 100, output: 'E: Unable to locate package ipvsadm\nReading package lists...\nE: Unable to locate package ipvsadm' },
      });
      assert.equal(log.length, 3);
      assert.equal(readBack, 'read-back ran\n');
    });
  });
