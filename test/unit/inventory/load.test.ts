import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadInventory } from '../../../src/inventory/load.ts';
import { InventoryError, InventoryLoadError } from '../../../src/inventory/issues.ts';
import { typecheckInventory } from '../../../src/inventory/typecheck.ts';

const INVENTORIES = fileURLToPath(new URL('../../../inventories/', import.meta.url));
const LVSPLAY = fileURLToPath(new URL('../../../bin/lvsplay.js', import.meta.url));

/** `levels` of YAML anchors, each a list of nine aliases of the one before: 9^levels strings once expanded. */
function aliasBomb(levels: number): string {
  const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let level = 1; level <= levels; level++)
    lines.push(
      `l${level}: &l${level} [${Array(9)
        .fill(`*l${level - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

describe('loading inventory files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-load-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadError(name: string, source: string): Promise<InventoryLoadError> {
    const file = join(dir, name);
    await writeFile(file, source);
    const error = await loadInventory(file).then(
      () => assert.fail('the inventory loaded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof InventoryLoadError, String(error));
    return error;
  }

  it('loads a YAML inventory into the same model as its TypeScript twin', async () => {
    const yaml = await loadInventory(join(INVENTORIES, 'nat.yml'));
    const ts = await loadInventory(join(INVENTORIES, 'nat.ts'));
    assert.deepEqual({ ...yaml, file: '' }, { ...ts, file: '' });
  });

  it('loads an inventory outside the project that imports from lvsplay', async () => {
    const file = join(dir, 'copy.ts');
    await writeFile(file, (await import('node:fs')).readFileSync(join(INVENTORIES, 'dr.ts'), 'utf8'));
    const inventory = await loadInventory(file);
    assert.deepEqual(
      inventory.hosts.map((h) => h.name),
      ['router', 'lvs', 'rs1', 'rs2'],
    );
  });

  it('reports a TypeScript syntax error with its file and line', async () => {
    const error = await loadError('broken.ts', 'export default {\n  hosts: { a: 1\n  services: [] },\n};\n');
    assert.equal(error.location, `${dir}/broken.ts:3:2`);
    assert.match(error.message, /syntax error/);
    assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
  });

  it('reports an error thrown while the inventory runs with its file and line', async () => {
    const error = await loadError('throws.ts', "const hosts = {};\nthrow new Error('no hosts file');\nexport default { hosts };\n");
    assert.equal(error.location, `${dir}/throws.ts:2:7`);
    assert.equal(error.reason, 'Error: no hosts file');
  });

  it('reports a YAML syntax error with its file and line', async () => {
    const error = await loadError('broken.yml', 'hosts:\n  lvs: {\nservices: []\n');
    assert.match(error.location, new RegExp(`^${dir}/broken\\.yml:\\d+:\\d+$`));
  });

  it('names a missing file', async () => {
    const file = join(dir, 'none.ts');
    const error = await loadInventory(file).catch((e: unknown) => e);
    assert.ok(error instanceof InventoryLoadError);
    assert.equal(error.message, `${file}: no such file`);
  });

  it("reports a YAML alias bomb in one line, not with yaml's stack", async () => {
    const error = await loadError('bomb.yml', aliasBomb(9));
    assert.equal(error.message, `${dir}/bomb.yml: too many aliases: their expansion exceeds 100 (a YAML alias bomb?)`);
  });

  it('reports an error thrown while loading on one line, escaped and cut', async () => {
    const error = await loadError('noisy.ts', `throw new Error('bad\\u001b[2J' + 'x'.repeat(1000) + '\\nsecond line');\nexport default {};\n`);
    assert.equal(error.reason, `Error: bad\\u001b[2J${'x'.repeat(188)}…`);
  });

  it('reports a thrown value that cannot even be turned into text', async () => {
    const error = await loadError('odd.ts', 'throw Object.create(null);\nexport default {};\n');
    assert.equal(error.reason, 'Error: an unprintable value');
  });

  it('reports an inventory that calls process.exit while loading, where it calls it, and restores process.exit', async () => {
    const exit = process.exit;
    const error = await loadError('exits.ts', 'const hosts = {};\nprocess.exit(0);\nexport default { hosts };\n');
    assert.equal(error.message, `${dir}/exits.ts:2:9: called process.exit(0) while loading`);
    assert.equal(process.exit, exit);
  });

  it('reports a process.exit the inventory caught itself', async () => {
    const error = await loadError('catches.ts', "try { process.exit('3') } catch {}\nexport default {};\n");
    assert.equal(error.reason, "called process.exit('3') while loading");
  });

  it("keeps the exit code an inventory sets while loading from becoming lvsplay's", async () => {
    const before = process.exitCode;
    const file = join(dir, 'exit-code.ts');
    await writeFile(file, 'process.exitCode = 9;\nexport default {};\n');
    await assert.rejects(loadInventory(file), InventoryError);
    assert.equal(process.exitCode, before);
  });

  it('gives up on a top-level await that keeps the process busy but never settles', async () => {
    const error = await loadErrorWithin('busy.ts', 'await new Promise(() => {});\nexport default {};\n', 50);
    assert.equal(error.message, `${dir}/busy.ts: did not finish loading within 0.05 s (a top-level await that never settles?)`);
  });

  async function loadErrorWithin(name: string, source: string, timeoutMs: number): Promise<InventoryLoadError> {
    const file = join(dir, name);
    await writeFile(file, source);
    const error = await loadInventory(file, { timeoutMs }).then(
      () => assert.fail('the inventory loaded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof InventoryLoadError, String(error));
    return error;
  }

  it('reports a top-level await that never settles when nothing else is left to run, and exits 1', async function () {
    this.timeout(120_000); // a whole lvsplay process, on a busy machine
    const file = join(dir, 'never.ts');
    await writeFile(file, 'await new Promise(() => {});\nexport default {};\n');
    // Node alone would exit 13 with no word. The kill timeout only ends a hung child, it asserts nothing.
    const run = promisify(execFile)(process.execPath, [LVSPLAY, 'render', file, '--out', join(dir, 'out')], { timeout: 110_000 });
    const failed = await run.then(
      () => assert.fail('lvsplay succeeded'),
      (e: { code?: number; stdout: string; stderr: string }) => e,
    );
    assert.deepEqual(
      { code: failed.code, stdout: failed.stdout, stderr: failed.stderr },
      {
        code: 1,
        stdout: '',
        stderr: `lvsplay: ${file}: did not finish loading: its top-level await never settles\n`,
      },
    );
  });

  it('refuses an unknown file type', async () => {
    const error = await loadError('inventory.json', '{}');
    assert.match(error.reason, /unknown inventory type '\.json'/);
  });
});

describe('type-checking TypeScript inventories', function () {
  this.timeout(120_000); // each check starts the TypeScript compiler; the machine may be busy
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-typecheck-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes the seed inventories', () => {
    for (const seed of ['nat', 'dr', 'dr-multi-subnet']) assert.deepEqual(typecheckInventory(join(INVENTORIES, `${seed}.ts`)), []);
  });

  it('reports a wrong type and an unknown scheduler with file, line and column', async () => {
    const file = join(dir, 'typed.ts');
    await writeFile(
      file,
      [
        "import { defineInventory } from 'lvsplay';",
        'export default defineInventory({',
        "  hosts: { lvs: { interfaces: { eth0: '192.168.10.81/24' }, roles: ['director-dr'] } },",
        "  services: [{ vip: '192.168.10.100', port: '80', scheduler: 'fifo', director: 'lvs', realServers: [] }],",
        '});',
        '',
      ].join('\n'),
    );
    const errors = typecheckInventory(file);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0]!, new RegExp(`^${file}:4:39: error TS2322: Type 'string' is not assignable to type 'number'`));
    assert.match(errors[1]!, new RegExp(`^${file}:4:51: error TS2322: Type '"fifo"' is not assignable`));
  });

  it('reports a misspelt field at any depth, also in a value built outside defineInventory, at its line and column', async () => {
    const file = join(dir, 'misspelt.ts');
    const lines = [
      "import { defineInventory } from 'lvsplay';",
      "const rs2 = { interfaces: { eth0: '192.168.10.72/24' }, roles: ['realserver-dr'], gatewy: '192.168.10.84' } as const;",
      'export default defineInventory({',
      '  hosts: {',
      "    lvs: { interfaces: { eth0: '192.168.10.81/24' }, roles: ['director-dr'] },",
      "    rs1: { interfaces: { eth0: '192.168.10.71/24' }, gatway: '192.168.10.84', roles: ['realserver-dr'] },",
      '    rs2,',
      '  },',
      "  services: [{ vip: '192.168.10.100', port: 80, director: 'lvs', realServers: [{ host: 'rs1', wieght: 2 }, { host: 'rs2' }] }],",
      '});',
      '',
    ];
    await writeFile(file, lines.join('\n'));
    const at = (line: number, text: string): string => `${file}:${line}:${lines[line - 1]!.indexOf(text) + 1}`;
    const errors = typecheckInventory(file);
    assert.equal(errors.length, 3, errors.join('\n'));
    assert.ok(errors[0]!.startsWith(`${at(6, 'gatway')}: error TS2322: `) && errors[0]!.includes('UnknownField<"gatway">'), errors[0]);
    assert.ok(errors[1]!.startsWith(`${at(7, 'rs2')}: error TS2322: `) && errors[1]!.includes('UnknownField<"gatewy">'), errors[1]);
    assert.ok(errors[2]!.startsWith(`${at(9, 'wieght')}: error TS2322: `) && errors[2]!.includes('UnknownField<"wieght">'), errors[2]);
  });
});
