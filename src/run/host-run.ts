import type { HostState } from '../desired/state.ts';
import { applyScript, applySteps, parseApplyOutput, splitApplyOutput } from '../apply/script.ts';
import { factsScript, type HostFacts } from '../facts/gather.ts';
import { drainSeconds } from '../items/ipvs.ts';
import { diffsOf } from '../items/registry.ts';
import { pendingItems, planHost, splitRemovals, type HostPlan, type PlannedItem } from '../plan/plan.ts';
import type { BastionPool } from '../ssh/bastions.ts';
import { connect, type ConnectOptions, type HostConnection } from '../ssh/connection.ts';
import { elevationOf, type BecomeOptions, type Elevation } from '../ssh/become.ts';
import { ConnectError } from '../ssh/errors.ts';
import { quote } from '../ssh/quote.ts';
import { runRemoteScript } from '../ssh/remote-script.ts';
import type { SshRoute } from '../ssh/route.ts';
import { readBackOf } from './read-back.ts';
import { describeWithheld, type WithheldRealServer } from './withhold.ts';
import { hostStatus, itemAfterApply, type HostResult, type ItemResult, type ItemStatus } from './outcome.ts';

export interface HostRunOptions {
  readonly check: boolean;
  readonly diff: boolean;
  readonly runId: string;
  /** How the host is reached (src/ssh/reach.ts), and the run's own SSH settings. */
  readonly route: SshRoute;
  readonly ssh: ConnectOptions;
  /** `--become` and the become password; with the host's `become`, whether its scripts run through sudo. */
  readonly become: BecomeOptions;
  /** How long one remote script may run on the host; the SSH side waits a little longer. */
  readonly commandTimeoutSeconds: number;
  /**
   * Aborted when the operator interrupts the run: from then on this host starts nothing new (no
   * connection, no facts, no apply), while a script already running on it is left to finish.
   */
  readonly interrupt: AbortSignal;
  /** How a connection is made: `connect`, unless a caller must see what would be dialled without dialling. */
  readonly dial?: Dial;
  /** The run's bastions, shared by every host reached through them; the run closes it after its hosts. */
  readonly bastions?: BastionPool;
}

/** How a host is reached: `connect`'s signature, as the run calls it. */
export type Dial = (route: SshRoute, options: ConnectOptions, name: string, bastions?: BastionPool) => Promise<HostConnection>;

/** A remote command that did not do what it must; the message names what and why. */
export class HostError extends Error {
  override name = 'HostError';
}

/**
 * One host through the stages: connect, facts, plan (`prepare`), then apply and read back (`apply`).
 * The connection opened in `prepare` serves every later round trip; `close` ends it.
 */
export class HostRun {
  private connection?: HostConnection;
  private plan?: HostPlan;
  private facts?: HostFacts;
  /** A real server's plan cut in two: its removals wait until its directors have drained it. */
  private deferred?: { readonly changes: HostPlan; readonly removals: HostPlan };
  private changesFailed = false;
  private withheld: readonly WithheldRealServer[] = [];
  private diffs: string[] = [];
  private failure?: HostResult;
  private applyRunning = false;
  private readonly elevation: Elevation | undefined;

  constructor(
    readonly state: HostState,
    private readonly options: HostRunOptions,
  ) {
    this.elevation = elevationOf(state.host.become, options.become);
  }

  get name(): string {
    return this.state.host.name;
  }

  get pendingChanges(): number {
    return this.plan ? pendingItems(this.plan).length : 0;
  }

  /** True while the apply script runs on the host: stopped now, the host may be left part-way. */
  get applying(): boolean {
    return this.applyRunning;
  }

  async prepare(): Promise<void> {
    if (this.options.interrupt.aborted) return;
    try {
      this.connection = await (this.options.dial ?? connect)(this.options.route, this.options.ssh, this.name, this.options.bastions);
    } catch (error) {
      this.failure = this.failed('unreachable', error instanceof ConnectError ? error.message : String(error));
      return;
    }
    // A connection that was already under way when the run was interrupted is not used.
    if (this.options.interrupt.aborted) return;
    try {
      this.facts = await this.gatherFacts();
      this.plan = planHost(this.state, this.facts);
      if (this.options.diff) this.diffs = await this.diffsOf(this.plan);
    } catch (error) {
      this.failure = this.failed('failed', (error as Error).message);
    }
  }

  /**
   * The result as planned: for --check, for a host with nothing to change, or one that failed early.
   * Without a plan or a failure, prepare() returned at once: the run was interrupted first.
   */
  plannedResult(): HostResult {
    if (this.failure) return this.failure;
    if (!this.plan) return this.interrupted([], 'not started (facts not gathered)');
    const plan = this.plan;
    const items = plan.items.map((item): ItemResult => {
      return { item, status: PLANNED_STATUS[item.verdict.status], reason: item.verdict.reason };
    });
    return this.result(items);
  }

  /** Applies the whole plan in one round trip. */
  async apply(): Promise<HostResult> {
    if (this.failure || !this.plan) return this.plannedResult();
    return this.applyPlan(this.plan);
  }

  /**
   * Applies all but the removals (a real server, before its directors send it traffic); `applyRemovals`
   * does the rest once they have drained it. With nothing to remove, the whole plan, as `apply`.
   */
  async applyChanges(): Promise<HostResult> {
    if (this.failure || !this.plan || !this.facts) return this.plannedResult();
    this.deferred = splitRemovals(this.plan, this.facts);
    if (!this.deferred) return this.applyPlan(this.plan);
    const result = await this.applyPlan(this.deferred.changes);
    this.changesFailed = result.status !== 'ok' && result.status !== 'changed';
    return result;
  }

  /**
   * A director whose plan adds real servers that failed earlier in this run: planned again, on the facts it
   * has, from the state `without` gives for those real servers left out (their rules file line too).
   */
  withhold(withheldOf: (plan: HostPlan) => readonly WithheldRealServer[], without: (withheld: readonly WithheldRealServer[]) => HostState): void {
    if (!this.plan || !this.facts || this.failure) return;
    const withheld = withheldOf(this.plan);
    if (withheld.length === 0) return;
    this.withheld = withheld;
    this.plan = planHost(without(withheld), this.facts);
  }

  /** The addresses this run takes off the host and puts on it: how an address moves between directors. */
  get addressMoves(): { readonly frees: readonly string[]; readonly claims: readonly string[] } {
    const items = this.plan?.items ?? [];
    return {
      frees: items.flatMap((item) => (item.kind === 'removal' && item.entry.kind === 'address' && item.verdict.status === 'remove' ? [item.entry.cidr.split('/')[0]!] : [])),
      claims: items.flatMap((item) => (item.kind === 'address' && item.verdict.status === 'change' ? [item.cidr.address] : [])),
    };
  }

  /** Stands for the apply of a host that must not take an address another host failed to give up. */
  refused(error: string): HostResult {
    const items = (this.plan?.items ?? []).map((item): ItemResult => ({ item, status: item.verdict.status === 'ok' ? 'ok' : 'not run', reason: item.verdict.reason }));
    return this.result(items, error);
  }

  /** Whether `applyChanges` left removals for later. */
  get removalsDeferred(): boolean {
    return this.deferred !== undefined;
  }

  /** The removals `applyChanges` left for later; not run when that part failed, as a script runs no step after a failed one. */
  async applyRemovals(): Promise<HostResult | undefined> {
    if (!this.deferred) return undefined;
    const { removals } = this.deferred;
    if (this.changesFailed) {
      return this.result(removals.items.map((item) => ({ item, status: 'not run', reason: `the host's changes failed earlier in this run: ${item.verdict.reason}` })));
    }
    return this.applyPlan(removals);
  }

  private async applyPlan(plan: HostPlan): Promise<HostResult> {
    if (plan.items.some((item) => item.verdict.status === 'fail')) {
      // A precondition lvsplay must not fix (a NAT real server's route): change nothing on this host.
      return this.result(plan.items.map((item) => ({ item, status: item.verdict.status === 'fail' ? 'failed' : 'not run', reason: item.verdict.reason })));
    }
    const steps = applySteps(plan);
    if (steps.length === 0) return this.plannedResult();
    if (this.options.interrupt.aborted) return this.interrupted(plan.items.map(notApplied), 'facts gathered, changes not applied');
    try {
      // What changed is read back in the same round trip, after the steps: only those items, not the host.
      const readBack = readBackOf(plan);
      // A drain waits on the host, within the script: its time comes on top of the usual limit.
      const result = await this.applyRemote(applyScript(steps, this.options.runId, readBack.script), drainSeconds(plan.items));
      const parts = splitApplyOutput(result.stdout);
      if (!parts) throw new HostError(`the apply script stopped early (exit ${result.code}): ${result.stderr.trim() || 'no output'}`);
      const outcome = parseApplyOutput(parts.steps);
      const after = readBack.check(parts.readBack);
      const afterOf = new Map(readBack.changed.map((item, index) => [item, after[index]!]));
      const items = plan.items.map((item) => itemAfterApply(item, afterOf.get(item), steps, outcome));
      // A failed handler (daemon-reload) fixes no item of its own: the host still failed, and says where.
      const failedStep = outcome.failed && steps.find((step) => step.id === outcome.failed!.id);
      const error = failedStep ? `${failedStep.title} failed (exit ${outcome.failed!.code}): ${outcome.failed!.output || 'no output'}` : undefined;
      return this.result(items, error);
    } catch (error) {
      return this.failed('failed', (error as Error).message);
    }
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }

  private async gatherFacts(): Promise<HostFacts> {
    const { script, parse } = factsScript(this.state);
    const result = await this.remote(script);
    if (result.code !== 0) throw new HostError(`gathering facts failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
    return parse(result.stdout);
  }

  private diffsOf(plan: HostPlan): Promise<string[]> {
    return diffsOf(pendingItems(plan), (paths) => this.readFiles(paths));
  }

  private async readFiles(paths: readonly string[]): Promise<Map<string, string>> {
    const script = paths.map((p) => `printf '@@lvsplay-file %s\\n' ${quote(p)}; base64 ${quote(p)} 2>/dev/null || true`).join('\n');
    const result = await this.remote(script);
    const contents = new Map<string, string>();
    const parts = result.stdout.split(/^@@lvsplay-file (.*)\n/m);
    for (let i = 1; i < parts.length; i += 2) contents.set(parts[i]!, Buffer.from(parts[i + 1] ?? '', 'base64').toString('utf8'));
    return contents;
  }

  private async applyRemote(script: string, extraSeconds: number) {
    this.applyRunning = true;
    try {
      return await this.remote(script, extraSeconds);
    } finally {
      this.applyRunning = false;
    }
  }

  private async remote(script: string, extraSeconds = 0) {
    const seconds = this.options.commandTimeoutSeconds + extraSeconds;
    const result = await runRemoteScript(this.connection!, script, seconds, this.elevation);
    if (result.timedOut) throw new HostError(`a remote script ran longer than ${seconds} s and was stopped`);
    return result;
  }

  private result(items: readonly ItemResult[], error?: string): HostResult {
    const status = error ? 'failed' : hostStatus(items);
    const withheld = this.withheld.map(describeWithheld);
    return { host: this.name, status, items, unmanaged: this.plan?.unmanaged ?? [], diffs: this.diffs, ...(error && { error }), ...(withheld.length > 0 && { withheld }) };
  }

  private interrupted(items: readonly ItemResult[], stage: string): HostResult {
    return { host: this.name, status: 'interrupted', items, error: `${stage}; nothing was changed`, unmanaged: this.plan?.unmanaged ?? [], diffs: this.diffs };
  }

  private failed(status: 'failed' | 'unreachable', error: string): HostResult {
    return { host: this.name, status, items: [], error, unmanaged: [], diffs: [] };
  }
}

/** How --check reports a verdict. */
const PLANNED_STATUS = { ok: 'ok', change: 'would change', remove: 'would remove', fail: 'failed' } as const satisfies Record<PlannedItem['verdict']['status'], ItemStatus>;

/** An item of a host whose apply the interrupt kept from starting. */
function notApplied(item: PlannedItem): ItemResult {
  return item.verdict.status === 'ok' ? { item, status: 'ok', reason: item.verdict.reason } : { item, status: 'not run', reason: `interrupted before apply: ${item.verdict.reason}` };
}
