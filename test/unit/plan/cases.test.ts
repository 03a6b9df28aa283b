// Plan cases as data: every file of test/unit/plan/cases/ is one host's facts, as its commands print them,
// and the whole plan that must come out of them: each item's verdict and reason in order, the IPVS item's
// exact `ipvsadm -R` lines, the handlers (always) and the IPVS services left alone. See case-file.ts.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { desiredState } from '../../../roles/index.ts';
import type { Handler } from '../../../src/desired/state.ts';
import { factsScript } from '../../../src/facts/gather.ts';
import { checkInventory, loadInventory } from '../../../src/inventory/load.ts';
import type { Inventory } from '../../../src/inventory/model.ts';
import type { IpvsChange } from '../../../src/ipvs/delta.ts';
import { describeDrain, drainDeletions, type Drain } from '../../../src/ipvs/drain.ts';
import { formatChange } from '../../../src/ipvs/format.ts';
import { planHost, type HostPlan } from '../../../src/plan/plan.ts';
import { describeItem } from '../../../src/run/describe.ts';
import { CaseFileError, factsOutput, readCase, seedPath, type ExpectedPlan, type PlanCase } from './case-file.ts';

const CASES = fileURLToPath(new URL('./cases/', import.meta.url));

async function inventoryOf(c: PlanCase): Promise<Inventory> {
  return typeof c.inventory === 'string' ? loadInventory(seedPath(c.inventory)) : checkInventory(`${c.file} inventory`, c.inventory);
}

function handlerName(handler: Handler): string {
  return handler.kind === 'sysctl-load' ? `sysctl-load ${handler.file}` : handler.kind;
}

/** The plan in the case's terms: every item, the IPVS item with its lines, every handler, every service left alone. */
function asExpected(plan: HostPlan): ExpectedPlan {
  return {
    items: plan.items.map((item) => ({
      item: describeItem(item),
      status: item.verdict.status,
      reason: item.verdict.reason,
      ...(item.kind === 'ipvs' && { 'ipvsadm -R': ipvsLines(item.ipvsChanges ?? [], item.drains ?? []) }),
    })),
    handlers: plan.handlers.map(handlerName),
    unmanaged: plan.unmanaged,
  };
}

/** The delta's lines, then for each drain a comment line and, after them, the deletions that end the drains. */
function ipvsLines(changes: readonly IpvsChange[], drains: readonly Drain[]): string[] {
  return [...changes.map(formatChange), ...drains.map((d) => `# drain ${describeDrain(d)}, at most ${d.timeout} s`), ...drainDeletions(drains).map(formatChange)];
}

async function run(c: PlanCase): Promise<void> {
  const inventory = await inventoryOf(c);
  const host = inventory.hosts.find((h) => h.name === c.host);
  assert.ok(host, `${c.file}: no host ${c.host} in the inventory`);
  const state = desiredState(inventory, host);
  const { script, parse } = factsScript(state);
  const plan = planHost(state, parse(factsOutput(c, state, script)));
  assert.deepEqual(asExpected(plan), c.expect);
}

describe('plan cases as data (test/unit/plan/cases/)', () => {
  const files = readdirSync(CASES).sort();

  it('the folder holds cases', () => {
    assert.notEqual(files.length, 0, `no case files in ${CASES}`);
  });

  for (const file of files) {
    let c: PlanCase;
    try {
      c = readCase(join(CASES, file));
    } catch (error) {
      // A case that cannot be read is a failing test under its own name, never a silent skip.
      it(`${file}: is a well-formed case file`, () => {
        throw error;
      });
      continue;
    }
    it(`${file}: ${c.name}`, () => run(c));
  }
});

describe('plan case files are checked before they run', () => {
  /** `text` as a case file named `name`, read back; the folder is removed whatever happens. */
  function read(name: string, text: string): PlanCase {
    const dir = mkdtempSync(join(tmpdir(), 'lvsplay-plan-case-'));
    try {
      writeFileSync(join(dir, name), text);
      return readCase(join(dir, name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const HEAD = 'name: n\ndescription: d\ninventory: dr\nhost: lvs\nfacts: {}\n';

  it('refuses a case without its handlers, naming the file and the field', () => {
    assert.throws(() => read('c.yml', `${HEAD}expect: { items: [], unmanaged: [] }\n`), new CaseFileError('c.yml', 'expect.handlers must be a list (stated even when empty)'));
  });

  it('refuses an IPVS item without its ipvsadm -R lines, and an unknown key', () => {
    const item = '{ item: IPVS table (1 service), status: ok, reason: r }';
    assert.throws(() => read('c.yml', `${HEAD}expect: { items: [${item}], handlers: [], unmanaged: [] }\n`), /c\.yml: expect\.items\[0\]: 'ipvsadm -R' is stated on the IPVS item/);
    assert.throws(() => read('c.yml', `${HEAD}expect: { items: [], handlers: [], unmanaged: [], skip: true }\n`), /c\.yml: expect has unknown key skip/);
  });

  it('refuses a file that is not a case', () => {
    assert.throws(() => read('notes.txt', HEAD), /notes\.txt: not a case file/);
  });
});
