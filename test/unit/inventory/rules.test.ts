import { strict as assert } from 'node:assert';
import { BAD_INVENTORIES, baseInventory, problems } from './cases.ts';
import { GOOD_VARIANTS } from './input-cases.ts';

describe('inventory rules', () => {
  for (const base of ['nat', 'dr'] as const) {
    it(`accepts the seed's ${base} inventory`, () => {
      assert.deepEqual(problems(baseInventory(base)), []);
    });
  }

  for (const variant of GOOD_VARIANTS) {
    it(`accepts ${variant.name}`, () => {
      const inventory = baseInventory(variant.base);
      variant.mutate(inventory);
      assert.deepEqual(problems(inventory), []);
    });
  }

  for (const testCase of BAD_INVENTORIES) {
    it(`rejects ${testCase.name}`, () => {
      const inventory = baseInventory(testCase.base);
      testCase.mutate(inventory);
      assert.deepEqual(problems(inventory), testCase.expect);
    });
  }
});
