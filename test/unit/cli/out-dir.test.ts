import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, OutDirError, outDir, targetOf, writeTarget } from '../../../src/commands/out-dir.ts';

async function refusal(promise: Promise<unknown>): Promise<OutDirError> {
  const error = await promise.then(
    () => assert.fail('expected an OutDirError'),
    (error: unknown) => error,
  );
  assert.ok(error instanceof OutDirError, String((error as Error)?.stack));
  return error;
}

describe('the --out folder of render', () => {
  let dir: string;
  beforeEach(async () => {
    // Resolved: on some systems tmpdir() itself is behind a symbolic link.
    dir = await realpath(await mkdtemp(join(tmpdir(), 'lvsplay-out-')));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts a host file at <out>/<host>/<path>', async () => {
    const out = await outDir(join(dir, 'out'));
    const target = targetOf(out, 'rs1', '/etc/sysctl.d/x.conf');
    assert.equal(target, join(dir, 'out', 'rs1', 'etc', 'sysctl.d', 'x.conf'));
    await create(out);
    await writeTarget(out, target, 'a = 1\n', 0o644);
    assert.equal(await readFile(target, 'utf8'), 'a = 1\n');
  });

  it('refuses any host name or path that would leave <out>/<host>/', async () => {
    const out = await outDir(join(dir, 'out'));
    for (const [host, path] of [
      ['..', '/etc/x'],
      ['.', '/etc/x'],
      ['', '/etc/x'],
      ['a/b', '/etc/x'],
      ['../rs2', '/etc/x'],
      ['rs1', '/../../etc/x'],
      ['rs1', '/'],
    ]) {
      assert.throws(
        () => targetOf(out, host!, path!),
        (error: unknown) => error instanceof OutDirError && !error.usage && error.message.startsWith(`--out ${out.given}: host ${JSON.stringify(host)}, ${path}: would be written to `),
        `host ${JSON.stringify(host)}, ${path}`,
      );
    }
  });

  it('refuses a file, and a path under /proc, /sys or /dev (also through a symbolic link), as a usage error', async () => {
    await writeFile(join(dir, 'file'), '');
    await symlink('/proc', join(dir, 'proc-link'));
    const cases: Array<[string, string]> = [
      [join(dir, 'file'), 'is a file, not a folder'],
      [join(dir, 'file', 'below'), `${join(dir, 'file')} is a file, not a folder`],
      ['/proc/x', 'is under /proc, a kernel filesystem: name a folder on disk'],
      ['/sys', 'is under /sys, a kernel filesystem: name a folder on disk'],
      ['/dev/null', 'is under /dev, a kernel filesystem: name a folder on disk'],
      [join(dir, 'proc-link', 'x'), 'is under /proc, a kernel filesystem: name a folder on disk'],
    ];
    for (const [given, reason] of cases) {
      const error = await refusal(outDir(given));
      assert.equal(error.message, `--out ${given}: ${reason}`);
      assert.equal(error.usage, true, given);
    }
  });

  it('does not follow a symbolic link below --out, to a folder or a file', async () => {
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    await mkdir(join(dir, 'out'));
    await symlink(elsewhere, join(dir, 'out', 'rs1'));
    await mkdir(join(dir, 'out', 'rs2', 'etc'), { recursive: true });
    await symlink(join(elsewhere, 'x'), join(dir, 'out', 'rs2', 'etc', 'x'));
    const out = await outDir(join(dir, 'out'));
    const folder = await refusal(writeTarget(out, targetOf(out, 'rs1', '/etc/x'), 'content', 0o644));
    assert.equal(folder.message, `--out ${out.given}: ${join(dir, 'out', 'rs1')} is a symbolic link: lvsplay writes only into folders it made inside --out`);
    const file = await refusal(writeTarget(out, targetOf(out, 'rs2', '/etc/x'), 'content', 0o644));
    assert.equal(file.message, `--out ${out.given}: ${join(dir, 'out', 'rs2', 'etc', 'x')} is a symbolic link: lvsplay writes only files it made inside --out`);
    assert.deepEqual(await readdir(elsewhere), []);
  });

  it('does not block on a FIFO where a file goes', async () => {
    await mkdir(join(dir, 'out', 'rs1', 'etc'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'out', 'rs1', 'etc', 'x')]);
    const out = await outDir(join(dir, 'out'));
    const error = await refusal(writeTarget(out, targetOf(out, 'rs1', '/etc/x'), 'content', 0o644));
    assert.equal(error.message, `--out ${out.given}: ${join(dir, 'out', 'rs1', 'etc', 'x')} is not a regular file`);
  });
});
