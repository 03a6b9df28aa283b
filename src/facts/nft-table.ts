import { MARK_TABLE } from '../nft/mark-table.ts';
import { FactError, type Fact } from './fact.ts';
import { reportingFailure, succeeded } from './packed.ts';

/** lvsplay's nftables table as the kernel has it: its listing, absent, or no nft to ask. */
export type NftTableFact = { readonly state: 'listed'; readonly listing: string } | { readonly state: 'absent' } | { readonly state: 'no-nft' };

const NO_NFT = '@@no-nft';
const ABSENT = '@@no-table';
const LIST = `nft list table ${MARK_TABLE}`;

/**
 * `nft list table ip lvsplay` when the table exists (`nft list tables ip` says so first: listing a missing
 * table is an error, which must not be taken for its absence); a host without nft yet (before its package
 * step) says so instead.
 */
export const nftTableFact: Fact<NftTableFact> = {
  name: 'nft-table',
  command: [`if ! command -v nft >/dev/null; then echo ${NO_NFT}`, `elif nft list tables ip | grep -qx 'table ${MARK_TABLE}'; then ${reportingFailure(LIST)}`, `else echo ${ABSENT}; fi`].join('\n'),
  parse: (output) => parseNftTable(output),
};

export function parseNftTable(output: string): NftTableFact {
  const text = succeeded('nft-table', LIST, output).trim();
  if (text === NO_NFT) return { state: 'no-nft' };
  if (text === ABSENT) return { state: 'absent' };
  if (!text.startsWith(`table ${MARK_TABLE} {`)) throw new FactError('nft-table', `unexpected output '${text.split('\n')[0]}'`);
  return { state: 'listed', listing: text };
}
