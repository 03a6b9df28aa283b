import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addKnownHost, readKnownHosts } from '../../../src/ssh/known-hosts-file.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODULE = join(ROOT, 'src/ssh/known-hosts-file.ts');
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDfMae35rl838XDyjie2wKq7MNv+X6kj5wFOwf09kbnf';

function line(index: number, prefix = 'h'): string {
  return `[${prefix}${index}.lab]:2222 ${KEY}`;
}

/** Another Node process appending `count` lines with addKnownHost, for the cross-process case. */
function appendInChild(file: string, prefix: string, count: number): Promise<void> {
  const script = `
    const loaded = await import(${JSON.stringify(MODULE)});
    // jiti hands an eval'd import the module under \`default\`.
    const { addKnownHost } = loaded.addKnownHost ? loaded : loaded.default;
    for (let i = 0; i < ${count}; i++) await addKnownHost(${JSON.stringify(file)}, ${JSON.stringify(`[${prefix}`)} + i + '.lab]:2222 ${KEY}');
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'jiti/register', '--input-type=module', '-e', script], { cwd: ROOT }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
    );
  });
}

describe('the known_hosts file', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-known-hosts-file-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a missing file as empty', async () => {
    assert.equal(await readKnownHosts(join(dir, 'nope', 'known_hosts')), '');
  });

  it('creates the folder (700) and the file (600) for the first key', async () => {
    const file = join(dir, 'home', '.ssh', 'known_hosts');
    assert.equal(await addKnownHost(file, line(1)), true);
    assert.equal(await readFile(file, 'utf8'), `${line(1)}\n`);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'home', '.ssh'))).mode & 0o777, 0o700);
  });

  it('does not add a line that is already there', async () => {
    const file = join(dir, 'known_hosts');
    await writeFile(file, `# mine\n${line(1)}\n`);
    assert.equal(await addKnownHost(file, line(1)), false);
    assert.equal(await readFile(file, 'utf8'), `# mine\n${line(1)}\n`);
  });

  it('starts a new line when the file does not end with one', async () => {
    const file = join(dir, 'known_hosts');
    await writeFile(file, line(1));
    await addKnownHost(file, line(2));
    assert.equal(await readFile(file, 'utf8'), `${line(1)}\n${line(2)}\n`);
  });

  it('keeps every line whole when many connections of one process accept keys at once', async () => {
    const file = join(dir, 'known_hosts');
    const lines = Array.from({ length: 60 }, (_, index) => line(index));
    // Each line twice: the queue must also keep a key accepted by two connections from doubling.
    await Promise.all([...lines, ...lines].map((text) => addKnownHost(file, text)));
    const written = (await readFile(file, 'utf8')).split('\n');
    assert.equal(written.pop(), '');
    assert.deepEqual([...written].sort(), [...lines].sort());
  });

  it('keeps every line whole when two processes append at the same time', async () => {
    const file = join(dir, 'known_hosts');
    await Promise.all([appendInChild(file, 'a', 150), appendInChild(file, 'b', 150)]);
    const written = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    const expected = ['a', 'b'].flatMap((prefix) => Array.from({ length: 150 }, (_, index) => line(index, prefix)));
    // Two processes may each add a line the other has not written yet, never a torn one.
    assert.deepEqual([...new Set(written)].sort(), expected.sort());
    assert.ok(written.every((text) => text.endsWith(KEY)));
  });
});
