import { homedir } from 'node:os';
import { join } from 'node:path';
import { desiredState } from '../../roles/index.ts';
import { loadInventory } from '../inventory/load.ts';
import { jsonReport, recap } from '../report/recap.ts';
import { runTasks } from '../report/tasks.ts';
import { HostRun } from '../run/host-run.ts';
import { selectHosts, type Selection } from '../select.ts';

export interface RunCommandOptions extends Selection {
  readonly check: boolean;
  readonly diff: boolean;
  readonly forks: number;
  readonly json: boolean;
  readonly knownHosts?: string;
  readonly acceptNewHostKeys: boolean;
  readonly connectTimeout: number;
  readonly commandTimeout: number;
}

/** Makes every selected host match the inventory (or, with --check, says what that would change). */
export async function runCommand(path: string, options: RunCommandOptions, print: (text: string) => void): Promise<boolean> {
  const inventory = await loadInventory(path);
  const selected = selectHosts(inventory, options);
  // Every state is computed, and so every template rendered, before the first connection.
  const states = selected.map(({ host, roles }) => desiredState(inventory, host, roles));
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const runs = states.map(
    (state) =>
      new HostRun(state, {
        check: options.check,
        diff: options.diff,
        runId,
        commandTimeoutSeconds: options.commandTimeout,
        ssh: {
          knownHostsFile: options.knownHosts ?? join(homedir(), '.ssh', 'known_hosts'),
          acceptNewHostKeys: options.acceptNewHostKeys,
          connectTimeoutMs: options.connectTimeout * 1000,
          commandTimeoutMs: (options.commandTimeout + 15) * 1000,
        },
      }),
  );
  try {
    const byHost = await runTasks(runs, { check: options.check, forks: options.forks, silent: options.json });
    const results = runs.map((run) => byHost.get(run.name)!);
    if (options.json) print(jsonReport(results, options.check, runId));
    else {
      for (const diff of results.flatMap((r) => r.diffs.map((d) => `--- ${r.host}\n${d}`))) print(diff);
      print(recap(results, options.check));
    }
    return results.every((r) => r.status === 'ok' || r.status === 'changed');
  } finally {
    await Promise.all(runs.map((run) => run.close()));
  }
}
