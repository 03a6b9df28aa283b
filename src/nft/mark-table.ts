import type { Fwmark, Port, Protocol } from '../inventory/model.ts';
import type { IPv4 } from '../net/ipv4.ts';
import { renderTemplate } from '../templates.ts';

/**
 * The director's marking rules: one nftables table of lvsplay's own (`table ip lvsplay`), so that replacing
 * or deleting it never touches an operator's rules. Its prerouting chain (priority mangle, before routing
 * and so before IPVS sees the packet at LOCAL_IN) sets each firewall-mark service's mark on the packets to
 * its VIP and ports.
 */
export const MARK_TABLE = 'ip lvsplay';

/** Where the table is persisted; its boot unit loads it with `nft -f`. */
export const MARK_TABLE_FILE = '/etc/lvsplay/fwmark.nft';

/** One firewall-mark service's rule: packets to `vip` on `ports` of `protocol` get `mark`. */
export interface MarkRule {
  readonly vip: IPv4;
  readonly protocol: Protocol;
  readonly ports: readonly [Port, ...Port[]];
  readonly mark: Fwmark;
}

/**
 * The table as `nft list table ip lvsplay` prints it (nftables 1.0.6, recorded from the lab:
 * test/fixtures/facts/nft-list-table.txt): the fact compares the live listing with this text.
 */
export function renderMarkTable(rules: readonly MarkRule[]): string {
  return renderTemplate('fwmark-table.nft.hbs', {
    rules: rules.map((rule) => ({ vip: rule.vip, protocol: rule.protocol, ports: portsWord(rule.ports), mark: markWord(rule.mark) })),
  });
}

/** The file the boot unit and lvsplay's step load: the listing, replacing the table whole in one transaction. */
export function renderMarkTableFile(rules: readonly MarkRule[]): string {
  return renderTemplate('fwmark.nft.hbs', { listing: renderMarkTable(rules) });
}

/** `80`, or an anonymous set in nft's order: `{ 80, 443 }`. */
function portsWord(ports: readonly Port[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  return sorted.length === 1 ? String(sorted[0]) : `{ ${sorted.join(', ')} }`;
}

/** nft prints a mark as 32-bit hex: `0x00000001`. */
function markWord(mark: Fwmark): string {
  return `0x${mark.toString(16).padStart(8, '0')}`;
}

/** Lines with their indentation and trailing blanks dropped: the same table, however nft indents it. */
export function normalisedListing(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');
}
