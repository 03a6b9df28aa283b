import { strict as assert } from 'node:assert';
import { IpvsParseError, parseIpvsSave } from '../../../src/ipvs/parse.ts';
import { svc } from './helpers.ts';
import { PARSE_CASES, PARSE_ERROR_CASES } from './parse-cases.ts';

describe('parseIpvsSave', () => {
  for (const testCase of PARSE_CASES) {
    it(`reads ${testCase.name}`, () => {
      const result = parseIpvsSave(testCase.text);
      assert.deepEqual(result.table, testCase.table);
      assert.deepEqual([...result.foreign.keys()], testCase.foreign ?? []);
      for (const [key, reason] of Object.entries(testCase.reasons ?? {})) {
        assert.equal(result.foreign.get(key), reason, key);
      }
    });
  }

  for (const testCase of PARSE_ERROR_CASES) {
    it(`rejects ${testCase.name}`, () => {
      assert.throws(
        () => parseIpvsSave(testCase.text),
        (error: unknown) => {
          assert.ok(error instanceof IpvsParseError, String(error));
          assert.equal(error.reason, testCase.reason);
          assert.equal(error.line, testCase.line);
          assert.equal(error.text, (testCase.text.split('\n')[testCase.line - 1] ?? '').trim());
          assert.equal(error.message, `ipvsadm-save line ${error.line}: ${error.reason}: ${error.text}`);
          return true;
        },
      );
    });
  }

  // Not timed here (a busy machine made a wall-clock bound fail): the director benchmark times parsing on
  // this size ('facts: parse') and its CPU profile names parseIpvsSave's share.
  it('reads 2,000 services × 10 real servers (22,000 lines), every one', () => {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const vip = `10.${i >> 8}.${i & 255}.1:80`;
      lines.push(`-A -t ${vip} -s wlc`);
      for (let j = 0; j < 10; j++) lines.push(`-a -t ${vip} -r 172.16.${j}.${(i % 250) + 1}:80 -g -w 1`);
    }
    const { table } = parseIpvsSave(`${lines.join('\n')}\n`);
    assert.equal(table.length, 2000);
    assert.equal(
      table.reduce((n, s) => n + s.destinations.length, 0),
      20000,
    );
    assert.deepEqual(table[1999], svc('tcp 10.7.207.1:80 wlc', ...Array.from({ length: 10 }, (_, j) => `172.16.${j}.250:80 route 1`)));
  });
});
