import { strict as assert } from 'node:assert';
import { renderIpvsRules } from '../../../roles/parts/ipvs.ts';
import { parseIpvsSave } from '../../../src/ipvs/parse.ts';
import { inSaveOrder } from '../../../src/ipvs/save-order.ts';
import type { IpvsTable } from '../../../src/ipvs/table.ts';
import { svc } from './helpers.ts';

/** Tables the rules template writes, read back as the live table would be. */
const TABLES: readonly [string, IpvsTable][] = [
  ['an empty table', []],
  ["seed 4.1's NAT service", [svc('tcp 172.16.10.81:80 wrr', '192.168.10.71:80 masq 1', '192.168.10.72:80 masq 1')]],
  [
    'tcp and udp, persistence, weights 0 and 65535, masq, route and tunnel',
    [
      svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 0', '192.168.10.72:80 route 65535'),
      svc('tcp 192.168.10.100:443 wlc 2678400', '192.168.10.71:443 route 1'),
      svc('udp 172.16.10.81:53 sh 1', '192.168.10.71:5353 masq 65535', '192.168.10.72:53 masq 0'),
      svc('udp 172.16.10.82:500 mh', '10.0.0.1:500 tunnel 7'),
      svc('tcp 172.16.10.83:8080 lblcr'),
    ],
  ],
];

describe('the rules file read back', () => {
  for (const [name, table] of TABLES) {
    // The file lists services and real servers in ipvsadm-save's order, not the inventory's (save-order.ts).
    it(`parseIpvsSave(renderIpvsRules(table)) is the table, in ipvsadm's order: ${name}`, () => {
      assert.deepEqual(parseIpvsSave(renderIpvsRules(table)), { table: inSaveOrder(table), foreign: new Map() });
    });
  }
});
