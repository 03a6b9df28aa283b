// The packages fact: its parser on output recorded on this machine (test/fixtures/facts/README.md), its
// command as sh, run for real by dash and bash here, and run against stand-in dpkg-query, rpm and installers
// in a folder that is the shell's whole PATH (the RHEL family's answers, and a host with neither).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchFacts } from '../../../src/facts/batch.ts';
import { packagesFact, parsePackages } from '../../../src/facts/packages.ts';

const recorded = (name: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/facts/${name}`, import.meta.url)), 'utf8');

interface DpkgQueryRun {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: number;
}

const DPKG_QUERY = JSON.parse(recorded('dpkg-query-W-status.json')) as DpkgQueryRun[];

/** A shell's absolute path: a test's PATH may hold only stand-ins. */
function shellPath(shell: string): string {
  return execFileSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' }).trim();
}

/**
 * The fact's command run by `shell` with PATH holding only `tools`, each a stand-in: its sh body, run with
 * the package name as $3 for dpkg-query (`-W -f=… NAME`) and $2 for rpm (`-q NAME`).
 */
function runWith(shell: string, tools: Readonly<Record<string, string>>, names: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'lvsplay-packages-'));
  try {
    for (const [tool, body] of Object.entries(tools)) {
      writeFileSync(join(dir, tool), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, tool), 0o755);
    }
    return execFileSync(shellPath(shell), ['-s'], { input: packagesFact(names).command, encoding: 'utf8', env: { PATH: dir } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A dpkg-query that answers as the recording did: for bash, and for a package it never knew. */
const RECORDED_DPKG_QUERY = DPKG_QUERY.map((run) => {
  const name = run.command.split(' ').pop()!;
  const out = (text: string, fd: number) => (text ? `printf '%s' '${text.replaceAll("'", "'\\''")}' >&${fd}` : ':');
  return `if [ "$3" = ${name} ]; then ${out(run.stdout, 1)}; ${out(run.stderr, 2)}; exit ${run.exit}; fi`;
}).join('\n');

describe('the packages fact', () => {
  it('reads the output recorded on this machine: bash installed, nonexistent-pkg missing, apt-get to install', () => {
    assert.deepEqual(parsePackages(recorded('packages-fact.txt')), { query: 'dpkg-query', installer: 'apt-get', installed: new Set(['bash']) });
  });

  it("tells installed from missing by dpkg-query's own recorded answers", () => {
    assert.deepEqual(
      DPKG_QUERY.map((run) => [run.command, run.exit]),
      [
        ["dpkg-query -W -f='${Status}\\n' bash", 0],
        ["dpkg-query -W -f='${Status}\\n' nonexistent-pkg", 1],
      ],
    );
    for (const shell of ['dash', 'bash']) {
      const output = runWith(shell, { 'dpkg-query': RECORDED_DPKG_QUERY, 'apt-get': 'exit 0' }, ['bash', 'nonexistent-pkg']);
      assert.equal(output, recorded('packages-fact.txt'), shell);
    }
  });

  it('counts a held package and one of two architectures as installed, one removed or half-installed as missing', () => {
    // dpkg's status words (dpkg-query(1)): want, error flag, state; one line per architecture installed.
    const statuses = `case $3 in held) echo 'hold ok installed' ;; multi) printf 'install ok installed\\ninstall ok installed\\n' ;; removed) echo 'deinstall ok config-files' ;; half) echo 'install ok half-configured' ;; esac`;
    const output = runWith('dash', { 'dpkg-query': statuses }, ['held', 'multi', 'removed', 'half']);
    assert.equal(output, '@@query dpkg-query\n@@installer none\nheld installed\nmulti installed\nremoved missing\nhalf missing\n');
  });

  it('asks rpm on a host without dpkg-query, and installs with dnf, else yum', () => {
    const rpm = 'if [ "$2" = ipvsadm ]; then echo ipvsadm-1.31-1.el8.x86_64; exit 0; fi; echo "package $2 is not installed"; exit 1';
    const expected = (installer: string) => `@@query rpm\n@@installer ${installer}\nipvsadm installed\nkeepalived missing\n`;
    assert.equal(runWith('dash', { rpm, dnf: 'exit 0', yum: 'exit 0' }, ['ipvsadm', 'keepalived']), expected('dnf'));
    assert.equal(runWith('dash', { rpm, yum: 'exit 0' }, ['ipvsadm', 'keepalived']), expected('yum'));
    assert.equal(runWith('bash', { rpm }, ['ipvsadm', 'keepalived']), expected('none'));
    assert.deepEqual(parsePackages(expected('yum')), { query: 'rpm', installer: 'yum', installed: new Set(['ipvsadm']) });
  });

  it('installs only with the installer of the database it asked: dpkg-query before rpm, never dnf for a dpkg host', () => {
    const output = runWith('dash', { 'dpkg-query': 'exit 1', rpm: 'exit 0', dnf: 'exit 0' }, ['ipvsadm']);
    assert.equal(output, '@@query dpkg-query\n@@installer none\nipvsadm missing\n');
  });

  it('says none and checks nothing on a host with neither dpkg-query nor rpm', () => {
    const output = runWith('dash', { 'apt-get': 'exit 0', dnf: 'exit 0' }, ['ipvsadm']);
    assert.equal(output, '@@query none\n@@installer none\n');
    assert.deepEqual(parsePackages(output), { query: 'none' });
  });

  it('is valid sh, and quotes each name as one word', () => {
    const command = packagesFact(['ipvsadm', "it's", 'a b']).command;
    for (const shell of ['dash', 'bash']) execFileSync(shell, ['-n'], { input: command });
    assert.match(command, /for pkg in ipvsadm 'it'\\''s' 'a b'; do/);
  });

  for (const shell of ['dash', 'bash'])
    it(`run by ${shell} on this machine (Debian): bash installed, nonexistent-pkg missing, apt-get found`, function () {
      if (!existsOnPath('dpkg-query')) this.skip();
      const output = execFileSync(shell, ['-s'], { input: packagesFact(['bash', 'nonexistent-pkg']).command, encoding: 'utf8' });
      assert.deepEqual(parsePackages(output), { query: 'dpkg-query', installer: existsOnPath('apt-get') ? 'apt-get' : undefined, installed: new Set(['bash']) });
    });

  it('is gathered under its own mark, second after os-release, only when a package is asked for', () => {
    const { script, parse } = batchFacts({ packages: ['ipvsadm'] });
    assert.deepEqual(
      [...script.matchAll(/^echo '@@lvsplay-fact (\S+)'$/gm)].map((m) => m[1]),
      ['os-release', 'packages', 'end'],
    );
    const facts = parse(`@@lvsplay-fact os-release\nID=debian\n@@lvsplay-fact packages\n@@query dpkg-query\n@@installer apt-get\nipvsadm missing\n@@lvsplay-fact end\n`);
    assert.deepEqual(facts.packages, { query: 'dpkg-query', installer: 'apt-get', installed: new Set() });
    assert.doesNotMatch(batchFacts({}).script, /packages/);
  });

  it('refuses any line it does not know, naming it', () => {
    const head = '@@query dpkg-query\n@@installer apt-get\n';
    const refused: [string, string][] = [
      ['', "unexpected line ''"],
      ['ipvsadm installed\n', "unexpected line 'ipvsadm installed'"],
      ['@@query pacman\n@@installer none\n', "unexpected line '@@query pacman'"],
      ['@@query dpkg-query\n@@installer dnf\n', "unexpected line '@@installer dnf'"],
      ['@@query rpm\n@@installer apt-get\n', "unexpected line '@@installer apt-get'"],
      ['@@query none\n@@installer apt-get\n', "unexpected line '@@installer apt-get'"],
      ['@@query none\n@@installer none\nipvsadm missing\n', "unexpected line 'ipvsadm missing'"],
      [`${head}ipvsadm\n`, "unexpected line 'ipvsadm'"],
      [`${head}ipvsadm unknown\n`, "unexpected line 'ipvsadm unknown'"],
      [`${head}ipvsadm installed now\n`, "unexpected line 'ipvsadm installed now'"],
      [`${head}dpkg-query: no packages found matching ipvsadm\n`, "unexpected line 'dpkg-query: no packages found matching ipvsadm'"],
    ];
    for (const [output, reason] of refused) assert.throws(() => parsePackages(output), { name: 'FactError', message: `fact packages: ${reason}` }, JSON.stringify(output));
  });
});

function existsOnPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
