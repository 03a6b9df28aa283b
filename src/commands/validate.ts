import { extname } from 'node:path';
import { loadInventory } from '../inventory/load.ts';
import type { Inventory } from '../inventory/model.ts';
import { typecheckInventory } from '../inventory/typecheck.ts';
import { InventoryLoadError } from '../inventory/issues.ts';

/** Type-checks (for TypeScript inventories), then checks every field and rule; throws on the first failing stage. */
export async function validateCommand(path: string, print: (line: string) => void): Promise<void> {
  if (['.ts', '.mts'].includes(extname(path))) {
    const errors = typecheckInventory(path);
    if (errors.length > 0) throw new InventoryLoadError(path, `${errors.length} type error${errors.length === 1 ? '' : 's'}\n${errors.join('\n')}`);
  }
  const inventory = await loadInventory(path);
  print(summary(inventory));
}

function summary(inventory: Inventory): string {
  const realServers = new Set(inventory.services.flatMap((s) => s.realServers.map((rs) => rs.host)));
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${inventory.file}: valid: ${plural(inventory.hosts.length, 'host')}, ${plural(inventory.services.length, 'virtual service')}, ${plural(realServers.size, 'real server')}`;
}
