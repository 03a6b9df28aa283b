import { Listr, type ListrTask } from 'listr2';
import type { HostRun } from '../run/host-run.ts';
import { describeItem } from '../run/describe.ts';
import { mergeResults, type HostResult, type ItemResult } from '../run/outcome.ts';
import { DIRECTORS_STAGE, directorWaves, REAL_SERVERS_STAGE, REMOVALS_STAGE, STAGES, stageOf } from '../run/stages.ts';
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
  /** Plans a director again without the new real servers of `failed` hosts (the run command knows the inventory and roles). */
  readonly withhold?: (director: HostRun, failed: ReadonlySet<string>) => void;
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
        if (index === REMOVALS_STAGE) return removalsStage(title, hosts, stageRuns[REAL_SERVERS_STAGE]!, options, results, observe);
        const part = index === REAL_SERVERS_STAGE ? 'changes' : 'all';
        return [
          {
            title,
            task: (_, task) => {
              if (index === DIRECTORS_STAGE && !options.check) withholdFailed(hosts, results, options);
              observe({ kind: 'stage', title, hosts: hosts.length });
              if (hosts.length === 0) return task.skip(`no ${stage.name} selected`);
              if (index === DIRECTORS_STAGE && !options.check) return directorsInWaves(task, hosts, options, results, observe);
              return task.newListr(
                hosts.map((run) => hostTask(run, options.check, part, results, observe)),
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

/**
 * Directors giving up an address another director takes in this run go first; a director whose address
 * came from one that failed is not applied, so that no two directors ever hold it.
 */
function directorsInWaves(task: Wrapper, directors: readonly HostRun[], options: TaskOptions, results: Map<string, HostResult>, observe: RunObserver) {
  const { first, second, claimedFrom } = directorWaves(directors, (run) => run.addressMoves);
  const wave = (runs: readonly HostRun[]) => runs.map((run) => hostTask(run, false, 'all', results, observe, () => refusal(run, claimedFrom.get(run) ?? [], results)));
  if (first.length === 0) return task.newListr(wave(second), { concurrent: options.forks, exitOnError: false });
  return task.newListr(
    [
      { title: 'directors giving up addresses that others take', task: (_, sub) => sub.newListr(wave(first), { concurrent: options.forks, exitOnError: false }) },
      { title: 'the other directors', task: (_, sub) => sub.newListr(wave(second), { concurrent: options.forks, exitOnError: false }) },
    ],
    { concurrent: false, exitOnError: false },
  );
}

/** Why `run` must not take the addresses it claims from `from`: one of those hosts failed to give them up. */
function refusal(run: HostRun, from: readonly HostRun[], results: ReadonlyMap<string, HostResult>): string | undefined {
  const failed = from.filter((freer) => !['ok', 'changed'].includes(results.get(freer.name)?.status ?? 'failed'));
  if (failed.length === 0) return undefined;
  const addresses = run.addressMoves.claims.filter((address) => failed.some((freer) => freer.addressMoves.frees.includes(address)));
  const names = failed.map((f) => f.name).join(', ');
  return `not applied: ${names} did not give up ${addresses.join(', ')}, which this host would take; run again once ${failed.length === 1 ? 'it has' : 'they have'}, or leave ${names} out with --limit if ${failed.length === 1 ? 'it is' : 'they are'} gone for good`;
}

/** Before the directors: the hosts that failed so far, whose new real servers the directors must not add. */
function withholdFailed(directors: readonly HostRun[], results: ReadonlyMap<string, HostResult>, options: TaskOptions): void {
  const failed = new Set([...results.values()].filter((r) => r.status !== 'ok' && r.status !== 'changed').map((r) => r.host));
  if (failed.size === 0 || !options.withhold) return;
  for (const run of directors) options.withhold(run, failed);
}

/**
 * The last stage: hosts marked absent, and the removals real servers left for after their directors (known
 * only once the real servers' stage ran). Shown only when there may be some.
 */
function removalsStage(title: string, absent: readonly HostRun[], realServers: readonly HostRun[], options: TaskOptions, results: Map<string, HostResult>, observe: RunObserver): ListrTask[] {
  if (absent.length === 0 && (options.check || realServers.length === 0)) return [];
  return [
    {
      title,
      task: (_, task) => {
        const deferred = options.check ? [] : realServers.filter((run) => run.removalsDeferred);
        if (absent.length + deferred.length === 0) return task.skip('nothing to remove');
        observe({ kind: 'stage', title, hosts: absent.length + deferred.length });
        return task.newListr([...absent.map((run) => hostTask(run, options.check, 'all', results, observe)), ...deferred.map((run) => deferredRemovalsTask(run, results, observe))], {
          concurrent: options.forks,
          exitOnError: false,
        });
      },
    },
  ];
}

/** `changes`: a real server's changes only, its removals left for the last stage. */
function hostTask(run: HostRun, check: boolean, part: 'all' | 'changes', results: Map<string, HostResult>, observe: RunObserver, refused?: () => string | undefined): ListrTask {
  return {
    title: run.name,
    task: async (_, task) => {
      const earlier = results.get(run.name);
      if (earlier) {
        observe({ kind: 'passed-over', result: earlier });
        return task.skip(`${run.name}: ${earlier.status}`);
      }
      if (!check) observe({ kind: 'started', host: run.name, work: 'apply' });
      const refusedBecause = refused?.();
      const result = check ? run.plannedResult() : refusedBecause ? run.refused(refusedBecause) : part === 'changes' ? await run.applyChanges() : await run.apply();
      results.set(run.name, result);
      observe({ kind: 'finished', result });
      return showResult(task, run.name, result, check);
    },
  };
}

/** A real server's removals, after its directors: reported on their own, kept in the host's one result. */
function deferredRemovalsTask(run: HostRun, results: Map<string, HostResult>, observe: RunObserver): ListrTask {
  return {
    title: run.name,
    task: async (_, task) => {
      observe({ kind: 'started', host: run.name, work: 'apply' });
      const result = await run.applyRemovals();
      if (!result) return task.skip(`${run.name}: nothing to remove`);
      const earlier = results.get(run.name);
      results.set(run.name, earlier ? mergeResults(earlier, result) : result);
      observe({ kind: 'finished', result });
      return showResult(task, run.name, result, false);
    },
  };
}

type Wrapper = Parameters<NonNullable<ListrTask['task']>>[1];

function showResult(task: Wrapper, host: string, result: HostResult, check: boolean) {
  if (result.status === 'interrupted') return task.skip(`${host}: interrupted`);
  task.title = `${host}: ${tallyWords(result, check)}`;
  const hostError: ListrTask[] = result.error
    ? [
        {
          title: `${result.status}: ${result.error}`,
          task: () => {
            throw new Error(`${host}: ${result.status}: ${result.error}`);
          },
        },
      ]
    : [];
  return task.newListr([...result.items.map(itemTask), ...hostError], { exitOnError: false, concurrent: false });
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
