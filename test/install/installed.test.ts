import { strict as assert } from 'node:assert';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd, type TestSshd } from '../unit/ssh/sshd-fixture.ts';
import { command, installTarball, pack, stopCommands, type Result } from './project.ts';

/** What the tarball holds at its top level: what lvsplay needs at run time, its types and the seed examples. */
const PACKED = ['README.md', 'bin', 'dist', 'inventories', 'package.json', 'roles', 'src', 'templates'];

/** A plain tsconfig of the operator's; without skipLibCheck, so that lvsplay's declarations are checked too. */
const NODE_NEXT = { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true };
// skipLibCheck (which `tsc --init` writes) spares checking @types/node twice more: most of tsc's time.
const BUNDLER = { strict: true, module: 'ESNext', moduleResolution: 'Bundler', noEmit: true, skipLibCheck: true };

describe('lvsplay installed from its tarball into a fresh project', function () {
  this.timeout(300_000);
  let dir: string | undefined;
  let sshd: TestSshd | undefined;
  let project: string;
  let tmp: string;
  /** A copy of the seed with a misspelt scheduler: `validate` and the operator's tsc must both refuse it. */
  let typo: string;
  const inProject = (file: string, ...args: string[]): Promise<Result> => command(file, args, project, tmp);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-install-'));
    tmp = join(dir, 'tmp');
    project = join(dir, 'project');
    await mkdir(tmp);
    const tarball = await pack(dir, tmp);
    await installTarball(project, join(dir, tarball), tmp);
    // The operator's own inventory, started from the seed the package ships.
    const seed = await readFile(join(project, 'node_modules/lvsplay/inventories/dr.ts'), 'utf8');
    typo = seed.replace("scheduler: 'rr'", "scheduler: 'round-robin'");
    await writeFile(join(project, 'inv.ts'), seed);
    await writeFile(join(project, 'typo.ts'), typo);
  });

  after(async () => {
    stopCommands();
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds what lvsplay needs at run time and its types, not its tests, benchmark or CI', async () => {
    const installed = join(project, 'node_modules/lvsplay');
    assert.ok((await lstat(installed)).isDirectory(), 'node_modules/lvsplay is the unpacked tarball, not a link to this repository');
    assert.deepEqual((await readdir(installed)).sort(), PACKED);
    assert.deepEqual((await readdir(join(installed, 'dist'))).sort(), ['index.d.ts', 'inventory']);
  });

  it('validates a copy of a seed inventory that imports lvsplay', async () => {
    const result = await inProject('npx', 'lvsplay', 'validate', 'inv.ts');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'inv.ts: valid: 4 hosts, 1 virtual service, 2 real servers\n');
  });

  it('reports a misspelt scheduler at its file:line:col', async () => {
    // TypeScript reports a wrong value at the property that holds it.
    const before = typo.slice(0, typo.indexOf("scheduler: 'round-robin'")).split('\n');
    const at = `typo.ts:${before.length}:${before.at(-1)!.length + 1}`;
    const result = await inProject('npx', 'lvsplay', 'validate', 'typo.ts');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^lvsplay: typo.ts: 1 type error\n${at}: error TS2322: Type '"round-robin"' is not assignable`));
  });

  it("type-checks the inventory with the operator's own tsconfig, NodeNext or Bundler, against lvsplay's types", async () => {
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: NODE_NEXT, include: ['inv.ts'] }));
    await writeFile(join(project, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: BUNDLER, include: ['inv.ts'] }));
    // The same tsc fails on the typo: the types it checked inv.ts against are lvsplay's, not `any`.
    await writeFile(join(project, 'tsconfig.typo.json'), JSON.stringify({ compilerOptions: BUNDLER, include: ['typo.ts'] }));
    const [nodeNext, bundler, typo] = await Promise.all(['.', 'tsconfig.bundler.json', 'tsconfig.typo.json'].map((config) => inProject('npx', 'tsc', '-p', config)));
    assert.equal(nodeNext!.code, 0, nodeNext!.stdout);
    assert.equal(bundler!.code, 0, bundler!.stdout);
    assert.equal(typo!.code, 2);
    assert.match(typo!.stdout, /^typo\.ts\(\d+,\d+\): error TS2322: Type '"round-robin"' is not assignable/);
  });

  it("renders every host's files", async () => {
    const result = await inProject('npx', 'lvsplay', 'render', 'inv.ts', '--out', 'out');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await readdir(join(project, 'out'))).sort(), ['lvs', 'router', 'rs1', 'rs2']);
    const rules = await readFile(join(project, 'out/lvs/etc/sysconfig/ipvsadm'), 'utf8');
    assert.match(rules, /^-A -t 192\.168\.10\.100:80 -s rr$/m);
  });

  it('checks two hosts over SSH on 127.0.0.1 with run --check and names both in the recap', async () => {
    sshd = await startSshd();
    await writeFile(join(project, 'known_hosts'), [sshd.hostKeys.ed25519, sshd.hostKeys.ecdsa].map((key) => `[127.0.0.1]:${sshd!.port} ${key}\n`).join(''));
    // Routers only: their facts are files and sysctls; a director's or real server's include `systemctl
    // show` of their units, which fails where systemd is not running (as in a container).
    const ssh = { host: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: sshd.clientKey };
    await writeFile(
      join(project, 'loopback.ts'),
      [
        "import { defineInventory } from 'lvsplay';",
        '',
        `const ssh = ${JSON.stringify(ssh)};`,
        '',
        'export default defineInventory({',
        '  hosts: {',
        "    gw1: { ssh, interfaces: { eth0: '192.168.10.84/24' }, roles: ['router'] },",
        "    gw2: { ssh, interfaces: { eth0: '192.168.20.84/24' }, roles: ['router'] },",
        '  },',
        '  services: [],',
        '});',
        '',
      ].join('\n'),
    );
    const result = await inProject('npx', 'lvsplay', 'run', 'loopback.ts', '--check', '--known-hosts', 'known_hosts');
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^RECAP \(check: nothing was changed\)$/m);
    for (const host of ['gw1', 'gw2']) assert.match(result.stdout, new RegExp(`^${host} : ok=\\d+ would-change=\\d+ unreachable=0 failed=0 not-run=0$`, 'm'));
  });
});
