import { Listr, type ListrTask } from 'listr2';
import type { HostRun } from '../run/host-run.ts';
import { describeItem } from '../run/describe.ts';
import type { HostResult, ItemResult } from '../run/outcome.ts';
import { STAGES, stageOf } from '../run/stages.ts';
import { observeAll, type RunObserver } from './events.ts';
import { tallyWords } from './recap.ts';

/**
 * How progress is shown: `live`, listr2's tree redrawn on a terminal; `plain`, a log of lines (output that
 * is not a terminal: CI); `none`, nothing (--json).
 */
export type Progress = { readonly kind: 'live' } | { readonly kind: 'plain'; readonly observer: RunObserver } | { readonly kind: 'none' };

export interface TaskOptions {
  readonly check: boolean;
  readonly forks: number;
  readonly progress: Progress;
  /** Told every event too, whatever the progress shows: a caller watching the run in-process. */
  readonly observe?: RunObserver;
}

/**
 * The run as listr2 drives it: facts from every host at once, then each stage's hosts at once, a task per
 * host with a subtask per item. A failing host fails its own task only. listr2 draws these tasks only on a
 * terminal; elsewhere it is silent and the plain log is told of each result instead, since listr2's own
 * line renderers print every task when it starts and again when it ends.
 */
export async function runTasks(runs: readonly HostRun[], options: TaskOptions): Promise<Map<string, HostResult>> {
  const results = new Map<string, HostResult>();
  const observe = observeAll(options.progress.kind === 'plain' ? options.progress.observer : undefined, options.observe);
  const stageRuns = STAGES.map((_, index) => runs.filter((run) => stageOf(run.state.host, run.state.roles) === index));
  const factsTitle = `Gather facts from ${runs.length} host${runs.length === 1 ? '' : 's'}`;
  const live = options.progress.kind === 'live';
  const list = new Listr(
    [
      {
        title: factsTitle,
        task: (_, task) => {
          observe({ kind: 'stage', title: factsTitle, hosts: runs.length });
          return task.newListr(
            runs.map((run) => factsTask(run, results, observe)),
            { concurrent: options.forks, exitOnError: false },
          );
        },
      },
      ...STAGES.flatMap((stage, index): ListrTask[] => {
        const title = `${options.check ? 'Check' : 'Apply'} ${stage.name}`;
        const hosts = stageRuns[index]!;
        // Absent hosts are rare: their stage is shown only when there are some.
        if (hosts.length === 0 && stage.name === 'absent hosts') return [];
        return [
          {
            title,
            task: (_, task) => {
              observe({ kind: 'stage', title, hosts: hosts.length });
              if (hosts.length === 0) return task.skip(`no ${stage.name} selected`);
              return task.newListr(
                hosts.map((run) => hostTask(run, options.check, results, observe)),
                { concurrent: options.forks, exitOnError: false },
              );
            },
          },
        ];
      }),
    ],
    {
      exitOnError: false,
      concurrent: false,
      // Its handler exits 127 at once; the run command owns SIGINT and winds the run down itself.
      registerSignalListeners: false,
      renderer: live ? 'default' : 'silent',
      fallbackRenderer: 'silent',
      rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true },
    },
  );
  await list.run();
  return results;
}

function factsTask(run: HostRun, results: Map<string, HostResult>, observe: RunObserver): ListrTask {
  return {
    title: run.name,
    task: async (_, task) => {
      observe({ kind: 'started', host: run.name, work: 'facts' });
      await run.prepare();
      const planned = run.plannedResult();
      if (planned.status === 'interrupted' || planned.error) {
        results.set(run.name, planned);
        observe({ kind: 'finished', result: planned });
      }
      if (planned.status === 'interrupted') return task.skip(`${run.name}: interrupted`);
      if (planned.error) throw new Error(`${run.name}: ${planned.status}: ${planned.error}`);
      observe({ kind: 'planned', host: run.name, pendingChanges: run.pendingChanges });
      task.title = `${run.name}: ${run.pendingChanges === 0 ? 'nothing to change' : `${run.pendingChanges} to change`}`;
    },
  };
}

function hostTask(run: HostRun, check: boolean, results: Map<string, HostResult>, observe: RunObserver): ListrTask {
  return {
    title: run.name,
    task: async (_, task) => {
      const earlier = results.get(run.name);
      if (earlier) {
        observe({ kind: 'passed-over', result: earlier });
        return task.skip(`${run.name}: ${earlier.status}`);
      }
      if (!check) observe({ kind: 'started', host: run.name, work: 'apply' });
      const result = check ? run.plannedResult() : await run.apply();
      results.set(run.name, result);
      observe({ kind: 'finished', result });
      if (result.status === 'interrupted') return task.skip(`${run.name}: interrupted`);
      task.title = `${run.name}: ${tallyWords(result, check)}`;
      const hostError: ListrTask[] = result.error
        ? [
            {
              title: `${result.status}: ${result.error}`,
              task: () => {
                throw new Error(`${run.name}: ${result.status}: ${result.error}`);
              },
            },
          ]
        : [];
      return task.newListr([...result.items.map(itemTask), ...hostError], { exitOnError: false, concurrent: false });
    },
  };
}

function itemTask(result: ItemResult): ListrTask {
  const title = `${result.status}: ${describeItem(result.item)} (${result.reason})`;
  return {
    title,
    task: () => {
      if (result.status === 'failed') throw new Error(title);
    },
  };
}
