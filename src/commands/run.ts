import { writeSync } from 'node:fs';
import type { LoadRoles } from '../desired/state.ts';
import { loadInventory } from '../inventory/load.ts';
import type { RunObserver } from '../report/events.ts';
import { jsonReport, recap } from '../report/recap.ts';
import { plainLog } from '../report/plain-log.ts';
import { runTasks, type Progress } from '../report/tasks.ts';
import { HostRun, type Dial } from '../run/host-run.ts';
import { inventoryWithout, withheldRealServers } from '../run/withhold.ts';
import { selectHosts, type Selection } from '../select.ts';
import { BastionPool } from '../ssh/bastions.ts';
import { NO_BECOME_OPTIONS, type BecomeOptions } from '../ssh/become.ts';
import { Interruption, signalExitCode, type StopSignal } from './interruption.ts';
import { connectOptions, routesTo, terminalPassphrases, type SshCommandOptions } from './routes.ts';

export interface RunCommandOptions extends Selection, SshCommandOptions {
  readonly check: boolean;
  readonly diff: boolean;
  readonly forks: number;
  readonly json: boolean;
  /** `--become` and the become password (`--ask-become-pass`, LVSPLAY_BECOME_PASSWORD). */
  readonly become?: BecomeOptions;
}

/** Where a run's words go: the report on stdout, notes on stderr. */
export interface RunOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * What a run is made of: the roles, and how it reaches the hosts (tests pass a `dial` that records the
 * targets instead of dialling); `observe`, when given, is told every event of the run as it happens, beside
 * whatever shows progress (the benchmark times each host's stages from them).
 */
export interface RunDeps {
  readonly roles: LoadRoles;
  readonly dial?: Dial;
  readonly observe?: RunObserver;
}

/**
 * How a run ended: every host done (with --check: nothing to change), `pending` (--check only: every host
 * checked, some with changes to make), some host failed, or a signal stopped it.
 */
export type RunEnd = 'ok' | 'pending' | 'failed' | StopSignal;

/** Makes every selected host match the inventory (or, with --check, says what that would change). */
export async function runCommand(path: string, options: RunCommandOptions, output: RunOutput, deps: RunDeps): Promise<RunEnd> {
  const inventory = await loadInventory(path);
  const desiredState = await deps.roles();
  const selected = selectHosts(inventory, options);
  // Every state is computed, and so every template rendered, before the first connection; so are the keys read.
  const states = selected.map(({ host, roles }) => desiredState(inventory, host, roles));
  // A key's passphrase is asked once, before the first connection, and kept for the command's connections.
  const passphrase = terminalPassphrases();
  const routes = await routesTo(
    selected.map(({ host }) => host),
    options,
    output.stderr,
    passphrase,
  );
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const interruption: Interruption = new Interruption({
    first: (signal) => output.stderr(`lvsplay: ${signal}: starting nothing new, waiting for the scripts already running on hosts (${signal} again to stop at once)\n`),
    second: (signal): never => stopAtOnce(signal, runs, options.json),
  });
  const ssh = connectOptions(options, passphrase);
  // One connection per bastion for the whole run, whichever hosts go through it.
  const bastions = new BastionPool(ssh);
  const runs: HostRun[] = states.map(
    (state) =>
      new HostRun(state, {
        check: options.check,
        diff: options.diff,
        runId,
        commandTimeoutSeconds: options.commandTimeout,
        interrupt: interruption.signal,
        become: options.become ?? NO_BECOME_OPTIONS,
        ...(deps.dial && { dial: deps.dial }),
        route: routes.get(state.host.name)!,
        bastions,
        ssh,
      }),
  );
  try {
    const withhold = (director: HostRun, failed: ReadonlySet<string>) =>
      director.withhold(
        (plan) => withheldRealServers(inventory, director.name, plan, failed),
        (withheld) => desiredState(inventoryWithout(inventory, director.name, withheld), director.state.host, director.state.roles),
      );
    const byHost = await runTasks(runs, { check: options.check, forks: options.forks, progress: progressFor(options, output), observe: deps.observe, withhold });
    const results = runs.map((run) => byHost.get(run.name)!);
    const interrupted = interruption.received;
    if (options.json) output.stdout(jsonReport(results, options.check, runId, interrupted));
    else {
      for (const diff of results.flatMap((r) => r.diffs.map((d) => `--- ${r.host}\n${d}`))) output.stdout(diff);
      output.stdout(recap(results, options.check, interrupted));
    }
    if (interrupted) return interrupted;
    if (!results.every((r) => r.status === 'ok' || r.status === 'changed')) return 'failed';
    return options.check && results.some((r) => r.status === 'changed') ? 'pending' : 'ok';
  } finally {
    interruption.dispose();
    await Promise.all(runs.map((run) => run.close()));
    await bastions.close();
  }
}

/** listr2's live tree on a terminal; a plain log where stdout is a pipe or a file (CI); nothing beside --json. */
function progressFor(options: RunCommandOptions, output: RunOutput): Progress {
  if (options.json) return { kind: 'none' };
  if (process.stdout.isTTY) return { kind: 'live' };
  return { kind: 'plain', observer: plainLog((text) => output.stdout(text), options.check) };
}

/**
 * The second signal: no recap, no waiting. The hosts whose apply script was running may be left
 * part-way (their script goes on, or not, on its own); say which, then exit.
 */
function stopAtOnce(signal: StopSignal, runs: readonly HostRun[], json: boolean): never {
  const partWay = runs.filter((run) => run.applying).map((run) => run.name);
  const message = stoppedMessage(signal, partWay);
  // Synchronous writes: process.exit() would drop a write still queued on a pipe.
  writeNow(2, `lvsplay: ${message}\n`);
  if (json) writeNow(1, `${JSON.stringify({ error: { kind: 'interrupted', message, partWay } }, null, 2)}\n`);
  process.exit(signalExitCode(signal));
}

export function stoppedMessage(signal: StopSignal, partWay: readonly string[]): string {
  return partWay.length === 0
    ? `${signal} again: stopped at once; no host was applying changes, none is part-way`
    : `${signal} again: stopped at once; these hosts were applying changes and may be part-way: ${partWay.join(', ')} (run again, or --check them)`;
}

function writeNow(fd: number, text: string): void {
  try {
    writeSync(fd, text);
  } catch {
    // A full or closed pipe: exiting matters more than this line.
  }
}
