// The director tier's pure parts: the generated 2,000 × 10 inventory, the 1% change, the client's count and
// the CPU profile summary. No VM.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desiredState } from '../../../roles/index.ts';
import { renderIpvsRules } from '../../../roles/parts/ipvs.ts';
import { loadInventory } from '../../../src/inventory/load.ts';
import type { Inventory } from '../../../src/inventory/model.ts';
import { serviceKey } from '../../../src/ipvs/table.ts';
import {
  countAnswers,
  CURL_LOOP,
  deltaLines,
  directorInventorySource,
  directorTable,
  onePercentChange,
  SHAPE,
  summarizeCpuProfile,
  UNTOUCHED_PORT,
  UNTOUCHED_VIP,
  type CpuProfile,
} from '../../../bench/tiers/director.ts';

const ACCESS = {
  lvs: { host: '127.0.0.1', port: 40001, user: 'root', privateKey: '/k' },
  rs1: { host: '127.0.0.1', port: 40002, user: 'root', privateKey: '/k' },
};
const UNTOUCHED_KEY = `tcp ${UNTOUCHED_VIP}:${UNTOUCHED_PORT}`;

describe('bench director tier: generated inventory', function () {
  this.timeout(120_000);
  let dir: string;
  let a: Inventory;
  let b: Inventory;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-bench-test-'));
    await writeFile(join(dir, 'a.ts'), directorInventorySource(ACCESS));
    await writeFile(join(dir, 'b.ts'), directorInventorySource(ACCESS, onePercentChange()));
    a = await loadInventory(join(dir, 'a.ts'));
    b = await loadInventory(join(dir, 'b.ts'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is a valid inventory of 2,000 DR services × 10 real servers on lvs: 22,000 rules lines', () => {
    const table = directorTable(a);
    assert.equal(table.length, SHAPE.services);
    assert.ok(table.every((s) => s.destinations.length === SHAPE.realServers && s.destinations.every((d) => d.forwarding === 'route')));
    assert.equal(new Set(table.map(serviceKey)).size, SHAPE.services);
    assert.equal(renderIpvsRules(table).split('\n').filter(Boolean).length, 22_000);
  });

  it('has the seed service 192.168.10.100:80 in the middle, served only by rs1 and rs2', () => {
    const table = directorTable(a);
    const index = table.findIndex((s) => serviceKey(s) === UNTOUCHED_KEY);
    assert.equal(index, SHAPE.untouched);
    const seed = table[index]!;
    assert.equal(seed.scheduler, 'rr');
    const weights = Object.fromEntries(seed.destinations.map((d) => [d.address, d.weight]));
    assert.equal(weights['192.168.10.71'], 1);
    assert.equal(weights['192.168.10.72'], 1);
    assert.equal(Object.values(weights).filter((w) => w > 0).length, 2);
  });

  it('puts every service on the seed VIP, so the director carries one VIP on lo:1, as in the seed', () => {
    assert.ok(directorTable(a).every((s) => s.vip === UNTOUCHED_VIP));
    const lvs = desiredState(a, a.hosts.find((h) => h.name === 'lvs')!);
    assert.equal(lvs.items.filter((i) => i.kind === 'address').length, 1);
  });

  it('reaches the lab hosts through the given access and declares the other real servers on the DIP subnet', () => {
    const lvs = a.hosts.find((h) => h.name === 'lvs')!;
    assert.equal(lvs.ssh.port, 40001);
    const names = a.hosts.map((h) => h.name).sort();
    assert.deepEqual(names, ['lvs', 'router', ...Array.from({ length: 10 }, (_, i) => `rs${i + 1}`)].sort());
    assert.ok(a.hosts.filter((h) => h.name.startsWith('rs')).every((h) => h.roles.includes('realserver-dr')));
  });

  it('changes 1%: 20 weights edited, one service added, one removed, the seed service untouched', () => {
    const lines = deltaLines(directorTable(a), directorTable(b)).split('\n').filter(Boolean);
    const ops = lines.map((l) => l.split(' ')[0]);
    assert.equal(ops.filter((o) => o === '-e').length, 20);
    assert.equal(ops.filter((o) => o === '-A').length, 1);
    assert.equal(ops.filter((o) => o === '-a').length, 10);
    assert.equal(ops.filter((o) => o === '-D').length, 1);
    assert.equal(lines.length, 32);
    assert.ok(
      lines.every((l) => !l.includes(` ${UNTOUCHED_VIP}:${UNTOUCHED_PORT} `)),
      lines.join('\n'),
    );
    const seedA = directorTable(a).find((s) => serviceKey(s) === UNTOUCHED_KEY);
    const seedB = directorTable(b).find((s) => serviceKey(s) === UNTOUCHED_KEY);
    assert.deepEqual(seedB, seedA);
  });

  it('picks the same 20 distinct real servers every time', () => {
    const change = onePercentChange();
    assert.deepEqual(change, onePercentChange());
    assert.equal(new Set(change.weights.map(([s, r]) => `${s}/${r}`)).size, 20);
    assert.ok(change.weights.every(([s, , w]) => s !== SHAPE.untouched && s !== change.removed && w > 5));
  });
});

describe("bench director tier: counting the client's requests", () => {
  it("counts anything but rs1 and rs2 as failed: the director's own page, time-outs, empty answers", () => {
    const count = countAnswers('before rs1\nbefore rs2\nchange rs1\nchange lvs\nchange FAILED\nafter EMPTY\nafter rs2\n\n');
    assert.deepEqual(count, {
      requests: 7,
      failed: 3,
      duringChange: 3,
      failedDuringChange: 2,
      answers: { rs1: 2, rs2: 2, lvs: 1, FAILED: 1, EMPTY: 1 },
    });
  });
});

describe('bench director tier: the client loop', () => {
  it('is valid sh, bounded in count and time, and curls the untouched service', () => {
    execFileSync('sh', ['-n'], { input: CURL_LOOP });
    assert.match(CURL_LOOP, /\$i -lt 6000/);
    assert.match(CURL_LOOP, /\+ 180/);
    assert.match(CURL_LOOP, /http:\/\/192\.168\.10\.100:80\//);
  });
});

describe('bench director tier: CPU profile summary', () => {
  it('adds self time per function and per file, and tells idle time apart', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: { functionName: 'parseIpvsSave', url: 'file:///repo/src/ipvs/parse.ts', lineNumber: 56 } },
        { id: 3, callFrame: { functionName: 'tokenize', url: 'file:///repo/src/ipvs/options.ts', lineNumber: 9 } },
        { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      ],
      samples: [2, 3, 3, 4, 2, 4],
      timeDeltas: [1000, 2000, 2000, 500_000, 1000, 500_000],
    };
    const summary = summarizeCpuProfile(profile, '/repo');
    assert.equal(summary.totalSeconds, 1.006);
    assert.equal(summary.idleSeconds, 1);
    assert.deepEqual(
      summary.byFunction.slice(1).map((f) => f.name),
      ['tokenize src/ipvs/options.ts:10', 'parseIpvsSave src/ipvs/parse.ts:57'],
    );
    assert.equal(summary.byFile.find((f) => f.name === 'src/ipvs/options.ts')?.seconds, 0.004);
  });
});
