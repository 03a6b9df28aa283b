import { strict as assert } from 'node:assert';
import { sameTable } from '../../../src/ipvs/equal.ts';
import type { IpvsTable } from '../../../src/ipvs/table.ts';
import { svc } from './helpers.ts';

const A = svc('tcp 1.2.3.4:80 rr 300', '10.0.0.1:80 route 1', '10.0.0.2:80 route 2');
const B = svc('udp 1.2.3.4:53 wlc', '10.0.0.1:53 masq 1');

const EQUAL: readonly [string, IpvsTable, IpvsTable][] = [
  ['two empty tables', [], []],
  ['services in another order', [A, B], [B, A]],
  ['real servers in another order', [A], [svc('tcp 1.2.3.4:80 rr 300', '10.0.0.2:80 route 2', '10.0.0.1:80 route 1')]],
];

const DIFFERENT: readonly [string, IpvsTable, IpvsTable][] = [
  ['a missing service', [A, B], [A]],
  ['another scheduler', [A], [svc('tcp 1.2.3.4:80 wrr 300', '10.0.0.1:80 route 1', '10.0.0.2:80 route 2')]],
  ['no persistence', [A], [svc('tcp 1.2.3.4:80 rr', '10.0.0.1:80 route 1', '10.0.0.2:80 route 2')]],
  ['another weight', [A], [svc('tcp 1.2.3.4:80 rr 300', '10.0.0.1:80 route 1', '10.0.0.2:80 route 3')]],
  ['another forwarding', [A], [svc('tcp 1.2.3.4:80 rr 300', '10.0.0.1:80 masq 1', '10.0.0.2:80 route 2')]],
  ['a missing real server', [A], [svc('tcp 1.2.3.4:80 rr 300', '10.0.0.1:80 route 1')]],
  ['another real server in place of one', [A], [svc('tcp 1.2.3.4:80 rr 300', '10.0.0.1:80 route 1', '10.0.0.3:80 route 2')]],
  ['another protocol', [B], [svc('tcp 1.2.3.4:53 wlc', '10.0.0.1:53 masq 1')]],
  ['a service listed twice against two services', [A, A], [A, B]],
  [
    'a real server listed twice against two real servers',
    [svc('tcp 1.2.3.4:80 rr 300', '10.0.0.1:80 route 1', '10.0.0.1:80 route 1')],
    [svc('tcp 1.2.3.4:80 rr 300', '10.0.0.1:80 route 1', '10.0.0.2:80 route 1')],
  ],
];

describe('sameTable', () => {
  for (const [name, a, b] of EQUAL) {
    it(`holds for ${name}`, () => {
      assert.ok(sameTable(a, b));
      assert.ok(sameTable(b, a));
    });
  }
  for (const [name, a, b] of DIFFERENT) {
    it(`fails for ${name}`, () => {
      assert.ok(!sameTable(a, b));
      assert.ok(!sameTable(b, a));
    });
  }
});
