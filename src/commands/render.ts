import type { LoadRoles } from '../desired/state.ts';
import { loadInventory } from '../inventory/load.ts';
import { selectHosts, type Selection } from '../select.ts';
import { create, outDir, targetOf, writeTarget } from './out-dir.ts';

/** Writes every managed file of the selected hosts under `out/<host>/<absolute path>`, touching no host. */
export async function renderCommand(path: string, out: string, selection: Selection, print: (line: string) => void, roles: LoadRoles): Promise<void> {
  const inventory = await loadInventory(path);
  const desiredState = await roles();
  const folder = await outDir(out);
  // Every target is checked before the first write: a refused one leaves --out as it was.
  const files = selectHosts(inventory, selection).flatMap(({ host, roles }) =>
    desiredState(inventory, host, roles).items.flatMap((item) =>
      item.kind === 'file' ? [{ host: host.name, path: item.path, target: targetOf(folder, host.name, item.path), content: item.content, mode: item.mode }] : [],
    ),
  );
  await create(folder);
  for (const file of files) {
    await writeTarget(folder, file.target, file.content, file.mode);
    print(`${file.host}: ${file.path}`);
  }
  print(`${files.length} file${files.length === 1 ? '' : 's'} written under ${out}`);
}
