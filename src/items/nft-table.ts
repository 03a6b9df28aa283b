import type { NftTableItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { NftTableFact } from '../facts/nft-table.ts';
import { MARK_TABLE, normalisedListing } from '../nft/mark-table.ts';
import { quote } from '../ssh/quote.ts';
import type { ItemKind, Verdict } from './kind.ts';

type Facts = Pick<HostFacts, 'nftTable'>;

/**
 * lvsplay's nftables table (the marks of firewall-mark services), live as its file has it: compared by
 * listing, loaded with `nft -f`, which replaces the table whole in one transaction. It records nothing: its
 * unit (an item of its own, in the manifest) deletes the table when it is stopped, as its removal does.
 */
export const nftTableKind: ItemKind<NftTableItem, Facts> = {
  kind: 'nft-table',
  key: () => `nft-table ${MARK_TABLE}`,
  describe: (item) => `nftables table ${MARK_TABLE} as ${item.file} has it`,
  facts: () => ({ nftTable: true }),
  plan: (item, facts) => ({ verdict: verdictOf(item, facts.nftTable) }),
  steps: (changed) => changed.map((item) => ({ title: `nft -f ${item.file}`, items: [item], body: `nft -f ${quote(item.file)}` })),
};

function verdictOf(item: NftTableItem, live: NftTableFact | undefined): Verdict {
  if (live === undefined || live.state === 'no-nft') return { status: 'change', reason: 'nft is not installed yet (the nftables package is, first)' };
  if (live.state === 'absent') return { status: 'change', reason: `table ${MARK_TABLE} is not live` };
  const rules = item.listing.split('\n').filter((line) => line.includes('meta mark set')).length;
  if (normalisedListing(live.listing) !== normalisedListing(item.listing)) return { status: 'change', reason: `table ${MARK_TABLE} differs from ${item.file}` };
  return { status: 'ok', reason: `table ${MARK_TABLE} is live as ${item.file} has it (${rules} rule${rules === 1 ? '' : 's'})` };
}
