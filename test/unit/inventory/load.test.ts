import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../../src/inventory/load.ts';
import { InventoryLoadError } from '../../../src/inventory/issues.ts';
import { typecheckInventory } from '../../../src/inventory/typecheck.ts';

const INVENTORIES = fileURLToPath(new URL('../../../inventories/', import.meta.url));

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
    assert.deepEqual(inventory.hosts.map((h) => h.name), ['router', 'lvs', 'rs1', 'rs2']);
  });

  it('reports a TypeScript syntax error with its file and line', async () => {
    const error = await loadError('broken.ts', "export default {\n  hosts: { a: 1\n  services: [] },\n};\n");
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

  it('refuses an unknown file type', async () => {
    const error = await loadError('inventory.json', '{}');
    assert.match(error.reason, /unknown inventory type '\.json'/);
  });
});

describe('type-checking TypeScript inventories', () => {
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
});
