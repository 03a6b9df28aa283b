import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NftTableItem } from '../../../src/desired/state.ts';
import { parseNftTable } from '../../../src/facts/nft-table.ts';
import { nftTableKind } from '../../../src/items/nft-table.ts';

const listing = readFileSync(fileURLToPath(new URL('../../fixtures/facts/nft-list-table.txt', import.meta.url)), 'utf8');
const item: NftTableItem = { kind: 'nft-table', listing, file: '/etc/lvsplay/fwmark.nft' };
const verdict = (output: string) => nftTableKind.plan(item, { nftTable: parseNftTable(output) }).verdict;

describe('the nft-table item', () => {
  it('is ok when the live table lists as the file’s, whatever the indentation', () => {
    assert.deepEqual(verdict(readFileSync(fileURLToPath(new URL('../../fixtures/facts/nft-table-fact.txt', import.meta.url)), 'utf8')), {
      status: 'ok',
      reason: 'table ip lvsplay is live as /etc/lvsplay/fwmark.nft has it (2 rules)',
    });
    assert.equal(verdict(listing.replaceAll('\t', '    ')).status, 'ok');
  });

  it('changes a table that differs, is missing, or a host without nft yet', () => {
    assert.deepEqual(verdict(listing.replace('0x00000001', '0x00000002')), { status: 'change', reason: 'table ip lvsplay differs from /etc/lvsplay/fwmark.nft' });
    assert.deepEqual(verdict('@@no-table\n'), { status: 'change', reason: 'table ip lvsplay is not live' });
    assert.deepEqual(verdict('@@no-nft\n'), { status: 'change', reason: 'nft is not installed yet (the nftables package is, first)' });
  });

  it('loads the file with one nft -f', () => {
    const planned = { ...item, roles: ['director-dr' as const], verdict: { status: 'change' as const, reason: '' } };
    assert.deepEqual(
      nftTableKind.steps!([planned]).map((s) => s.body),
      ['nft -f /etc/lvsplay/fwmark.nft'],
    );
  });
});
