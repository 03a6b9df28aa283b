import { Listr, type ListrTask } from 'listr2';
import type { HostRun } from '../run/host-run.ts';
import { describeItem } from '../run/describe.ts';
import type { HostResult, ItemResult } from '../run/outcome.ts';
import { STAGES, stageOf } from '../run/stages.ts';
import { tally } from './recap.ts';

export interface TaskOptions {
  readonly check: boolean;
  readonly forks: number;
  /** No live output at all (for --json). */
  readonly silent: boolean;
}

/**
 * The run as listr2 shows it: facts from every host at once, then each stage's hosts at once, a task per
 * host with a subtask per item. A failing host fails its own task only.
 */
export async function runTasks(runs: readonly HostRun[], options: TaskOptions): Promise<Map<string, HostResult>> {
  const results = new Map<string, HostResult>();
  const stageRuns = STAGES.map((_, index) => runs.filter((run) => stageOf(run.state.roles) === index));
  const list = new Listr(
    [
      {
        title: `Gather facts from ${runs.length} host${runs.length === 1 ? '' : 's'}`,
        task: (_, task) => task.newListr(runs.map((run) => factsTask(run, results)), { concurrent: options.forks, exitOnError: false }),
      },
      ...STAGES.map((stage, index): ListrTask => ({
        title: `${options.check ? 'Check' : 'Apply'} ${stage.name}`,
        skip: () => (stageRuns[index]!.length === 0 ? `no ${stage.name} selected` : false),
        task: (_, task) =>
          task.newListr(
            stageRuns[index]!.map((run) => hostTask(run, options.check, results)),
            { concurrent: options.forks, exitOnError: false },
          ),
      })),
    ],
    {
      exitOnError: false,
      concurrent: false,
      // Its handler exits 127 at once; the run command owns SIGINT and winds the run down itself.
      registerSignalListeners: false,
      renderer: options.silent ? 'silent' : 'default',
      fallbackRenderer: options.silent ? 'silent' : 'simple',
      rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true },
    },
  );
  await list.run();
  return results;
}

function factsTask(run: HostRun, results: Map<string, HostResult>): ListrTask {
  return {
    title: run.name,
    task: async (_, task) => {
      await run.prepare();
      const planned = run.plannedResult();
      if (planned.status === 'interrupted') return task.skip(`${run.name}: interrupted`);
      if (planned.error) {
        results.set(run.name, planned);
        throw new Error(`${run.name}: ${planned.status}: ${planned.error}`);
      }
      task.title = `${run.name}: ${run.pendingChanges === 0 ? 'nothing to change' : `${run.pendingChanges} to change`}`;
    },
  };
}

function hostTask(run: HostRun, check: boolean, results: Map<string, HostResult>): ListrTask {
  return {
    title: run.name,
    skip: () => (results.has(run.name) ? `${run.name}: ${results.get(run.name)!.status}` : false),
    task: async (_, task) => {
      const result = check ? run.plannedResult() : await run.apply();
      results.set(run.name, result);
      if (result.status === 'interrupted') return task.skip(`${run.name}: interrupted`);
      const t = tally(result);
      task.title = `${run.name}: ok=${t.ok} ${check ? 'would-change' : 'changed'}=${t.changed} failed=${t.failed}`;
      const hostError: ListrTask[] = result.error
        ? [{ title: `${result.status}: ${result.error}`, task: () => { throw new Error(`${run.name}: ${result.status}: ${result.error}`); } }]
        : [];
      return task.newListr([...result.items.map((item) => itemTask(run.name, item)), ...hostError], { exitOnError: false, concurrent: false });
    },
  };
}

// The plain renderer (no TTY: CI logs) prints hosts' items interleaved, without the tree: name the host.
const HOST_PREFIX = !process.stdout.isTTY;

function itemTask(host: string, result: ItemResult): ListrTask {
  const title = `${HOST_PREFIX ? `${host} ` : ''}${result.status}: ${describeItem(result.item)} (${result.reason})`;
  return {
    title,
    task: () => {
      if (result.status === 'failed') throw new Error(title);
    },
  };
}
