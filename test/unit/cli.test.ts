import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/lvsplay.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function lvsplay(...args: string[]): Promise<Result> {
  return inShell(process.execPath, BIN, ...args);
}

function inShell(command: string, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** One line on stderr, nothing on stdout, and no stack trace. */
function oneLine(result: Result, code: number, line: string): void {
  assert.equal(result.code, code, result.stderr);
  assert.equal(result.stderr, `${line}\n`);
  assert.equal(result.stdout, '');
}

describe('lvsplay on the command line', function () {
  // Each case starts Node and jiti, and `validate` type-checks: seconds each on a busy machine.
  this.timeout(120_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validates each seed inventory with a one-line summary', async () => {
    for (const seed of ['nat.ts', 'dr.ts', 'dr-multi-subnet.ts', 'nat.yml']) {
      const result = await lvsplay('validate', `inventories/${seed}`);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim().split('\n').length, 1);
    }
    const nat = await lvsplay('validate', 'inventories/nat.ts');
    assert.equal(nat.stdout, 'inventories/nat.ts: valid: 3 hosts, 1 virtual service, 2 real servers\n');
  });

  it("fails on the seed's typo (RS2 given RS1's address), naming both real servers", async () => {
    const copy = join(dir, 'nat.ts');
    const source = await readFile(join(ROOT, 'inventories/nat.ts'), 'utf8');
    await writeFile(copy, source.replace("eth0: '192.168.10.72/24'", "eth0: '192.168.10.71/24'"));
    const result = await lvsplay('validate', copy);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `lvsplay: ${copy}: 1 problem\nhost rs2, interfaces.eth0: 192.168.10.71 is also host rs1's address (interfaces.eth0): each address must belong to one host\n`);
  });

  it('reports a type error with file and line, not a stack trace', async () => {
    const copy = join(dir, 'dr.ts');
    const source = await readFile(join(ROOT, 'inventories/dr.ts'), 'utf8');
    await writeFile(copy, source.replace("scheduler: 'rr'", "scheduler: 'round-robin'"));
    const result = await lvsplay('validate', copy);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^lvsplay: ${copy}: 1 type error\n${copy}:\\d+:\\d+: error TS2322: Type '"round-robin"'`));
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('renders every managed file under DIR/<host>/ mirroring its path', async () => {
    const result = await lvsplay('render', 'inventories/nat.ts', '--out', dir);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await readdir(dir)).sort(), ['lvs']);
    const rules = await readFile(join(dir, 'lvs/etc/sysconfig/ipvsadm'), 'utf8');
    assert.match(rules, /^-a -t 172\.16\.10\.81:80 -r 192\.168\.10\.72:80 -m -w 1$/m);
  });

  it('narrows a render with --role and --limit', async () => {
    const byRole = await lvsplay('render', 'inventories/dr.ts', '--out', join(dir, 'role'), '--role', 'realserver-dr');
    assert.equal(byRole.code, 0, byRole.stderr);
    assert.deepEqual((await readdir(join(dir, 'role'))).sort(), ['rs1', 'rs2']);
    const byHost = await lvsplay('render', 'inventories/dr.ts', '--out', join(dir, 'limit'), '--limit', 'lvs', '--limit', 'router');
    assert.equal(byHost.code, 0, byHost.stderr);
    assert.deepEqual((await readdir(join(dir, 'limit'))).sort(), ['lvs', 'router']);
  });

  it('refuses an unknown host or role before writing anything, as a usage error (exit 2)', async () => {
    const host = await lvsplay('render', 'inventories/dr.ts', '--out', join(dir, 'x'), '--limit', 'rs9');
    oneLine(host, 2, 'lvsplay: --limit rs9: no such host in inventories/dr.ts (hosts: router, lvs, rs1, rs2)');
    const role = await lvsplay('render', 'inventories/dr.ts', '--out', join(dir, 'x'), '--role', 'director');
    assert.equal(role.code, 2);
    assert.match(role.stderr, /^lvsplay: --role director: no such role/);
    const none = await lvsplay('render', 'inventories/dr.ts', '--out', join(dir, 'x'), '--role', 'router', '--limit', 'rs1');
    oneLine(none, 2, 'lvsplay: --role and --limit together select no host');
    assert.deepEqual(await readdir(dir), []);
  });

  it('refuses an --out that is a file or under /proc, /sys or /dev in one line, exit 2, without hanging', async () => {
    await writeFile(join(dir, 'file'), 'keep');
    oneLine(await lvsplay('render', 'inventories/dr.ts', '--out', join(dir, 'file')), 2, `lvsplay: --out ${join(dir, 'file')}: is a file, not a folder`);
    oneLine(await lvsplay('render', 'inventories/dr.ts', '--out', '/sys'), 2, 'lvsplay: --out /sys: is under /sys, a kernel filesystem: name a folder on disk');
    oneLine(await lvsplay('render', 'inventories/dr.ts', '--out', '/proc/x'), 2, 'lvsplay: --out /proc/x: is under /proc, a kernel filesystem: name a folder on disk');
    assert.equal(await readFile(join(dir, 'file'), 'utf8'), 'keep');
  });

  it('reports an --out on a read-only filesystem in one line, exit 1', async () => {
    // A read-only tmpfs over the test folder, in a mount namespace of the CLI's own (gone when it exits).
    const ro = join(dir, 'ro');
    await mkdir(ro);
    const result = await inShell(
      'unshare',
      '-rm',
      'sh',
      '-c',
      'mount -t tmpfs -o ro tmpfs "$1" && shift && exec "$@"',
      'sh',
      ro,
      process.execPath,
      BIN,
      'render',
      'inventories/dr.ts',
      '--out',
      join(ro, 'out'),
    );
    oneLine(result, 1, `lvsplay: --out ${join(ro, 'out')}: cannot create ${join(ro, 'out')} (read-only file system)`);
  });

  it('bounds --connect-timeout and --command-timeout, naming the range (exit 2)', async () => {
    const connect = await lvsplay('run', 'inventories/dr.ts', '--connect-timeout', '2147484');
    assert.equal(connect.code, 2);
    assert.match(connect.stderr, /--connect-timeout takes a whole number of seconds from 1 to 3600, got '2147484'/);
    const command = await lvsplay('run', 'inventories/dr.ts', '--command-timeout', '86401');
    assert.equal(command.code, 2);
    assert.match(command.stderr, /--command-timeout takes a whole number of seconds from 1 to 86400, got '86401'/);
  });

  it('with --json, prints an invalid inventory as a JSON error on stdout too, with its issues', async () => {
    const copy = join(dir, 'nat.ts');
    const source = await readFile(join(ROOT, 'inventories/nat.ts'), 'utf8');
    await writeFile(copy, source.replace("eth0: '192.168.10.72/24'", "eth0: '192.168.10.71/24'"));
    const result = await lvsplay('run', copy, '--check', '--json');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^lvsplay: ${copy}: 1 problem\nhost rs2, interfaces.eth0: `));
    assert.deepEqual(JSON.parse(result.stdout), {
      error: {
        kind: 'inventory',
        message: `${copy}: 1 problem`,
        issues: [{ subject: 'host rs2', field: 'interfaces.eth0', message: "192.168.10.71 is also host rs1's address (interfaces.eth0): each address must belong to one host" }],
      },
    });
  });

  it('with --json, prints a wrong command line as a JSON error on stdout too (exit 2)', async () => {
    const limit = await lvsplay('run', 'inventories/dr.ts', '--json', '--limit', 'rs9');
    assert.equal(limit.code, 2);
    assert.deepEqual(JSON.parse(limit.stdout), { error: { kind: 'usage', message: '--limit rs9: no such host in inventories/dr.ts (hosts: router, lvs, rs1, rs2)' } });
    const forks = await lvsplay('run', 'inventories/dr.ts', '--json', '--forks', '0');
    assert.equal(forks.code, 2);
    assert.equal(JSON.parse(forks.stdout).error.kind, 'usage');
    assert.match(JSON.parse(forks.stdout).error.message, /--forks takes a whole number from 1 up, got '0'/);
  });

  it('exits 2 on a usage error', async () => {
    const result = await lvsplay('render', 'inventories/dr.ts');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--out <dir>/);
  });
});
