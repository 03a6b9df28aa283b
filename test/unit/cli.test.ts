import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

describe('lvsplay on the command line', function () {
  this.timeout(30_000);
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
    assert.equal(
      result.stderr,
      `lvsplay: ${copy}: 1 problem\nhost rs2, interfaces.eth0: 192.168.10.71 is also host rs1's address (interfaces.eth0): each address must belong to one host\n`,
    );
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

  it('refuses an unknown host or role before writing anything', async () => {
    const host = await lvsplay('render', 'inventories/dr.ts', '--out', join(dir, 'x'), '--limit', 'rs9');
    assert.equal(host.code, 1);
    assert.equal(host.stderr, 'lvsplay: --limit rs9: no such host in inventories/dr.ts (hosts: router, lvs, rs1, rs2)\n');
    const role = await lvsplay('render', 'inventories/dr.ts', '--out', join(dir, 'x'), '--role', 'director');
    assert.equal(role.code, 1);
    assert.match(role.stderr, /^lvsplay: --role director: no such role/);
    assert.deepEqual(await readdir(dir), []);
  });

  it('exits 2 on a usage error', async () => {
    const result = await lvsplay('render', 'inventories/dr.ts');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--out <dir>/);
  });
});
