import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { desiredState } from '../../roles/index.ts';
import { loadInventory } from '../inventory/load.ts';
import { selectHosts, type Selection } from '../select.ts';

/** Writes every managed file of the selected hosts under `out/<host>/<absolute path>`, touching no host. */
export async function renderCommand(path: string, out: string, selection: Selection, print: (line: string) => void): Promise<void> {
  const inventory = await loadInventory(path);
  let count = 0;
  for (const { host, roles } of selectHosts(inventory, selection)) {
    for (const item of desiredState(inventory, host, roles).items) {
      if (item.kind !== 'file') continue;
      const target = join(out, host.name, item.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, item.content, { mode: item.mode });
      count++;
      print(`${host.name}: ${item.path}`);
    }
  }
  print(`${count} file${count === 1 ? '' : 's'} written under ${out}`);
}
