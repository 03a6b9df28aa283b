import { directs, keepalivedManages, type Host, type Inventory } from '../../src/inventory/model.ts';
import type { ItemSpec } from '../../src/desired/state.ts';
import { MARK_TABLE, MARK_TABLE_FILE, renderMarkTable, renderMarkTableFile, type MarkRule } from '../../src/nft/mark-table.ts';
import { renderTemplate } from '../../src/templates.ts';
import { unitFile } from './units.ts';

const UNIT = 'lvsplay-fwmark.service';

/** The marking rules of the firewall-mark services this director has lvsplay write into IPVS. */
export function markRulesOf(inventory: Inventory, host: Host): MarkRule[] {
  return inventory.services.flatMap((service) =>
    service.fwmark && directs(service, host.name) && !keepalivedManages(service) ? [{ vip: service.vip, protocol: service.protocol, ports: service.fwmark.ports, mark: service.fwmark.mark }] : [],
  );
}

/**
 * nftables (its package), lvsplay's table in a file, the unit that loads it at boot (and deletes it when
 * stopped: so the table goes when the unit is removed), and the live table itself, compared with the file's.
 */
export function fwmarkItems(inventory: Inventory, host: Host): ItemSpec[] {
  const rules = markRulesOf(inventory, host);
  if (rules.length === 0) return [];
  return [
    { kind: 'package', name: 'nftables' },
    { kind: 'file', path: MARK_TABLE_FILE, content: renderMarkTableFile(rules), mode: 0o644, notify: [] },
    unitFile(UNIT, renderTemplate('lvsplay-fwmark.service.hbs', { file: MARK_TABLE_FILE, table: MARK_TABLE })),
    { kind: 'unit', name: UNIT, startNow: true },
    { kind: 'nft-table', listing: renderMarkTable(rules), file: MARK_TABLE_FILE },
  ];
}
