// Where a `node --cpu-prof` run of lvsplay spends its time, by package and by function, and when it reaches
// its first SSH connection: the numbers the engine findings of the scale tier quote. Pure: a parsed
// .cpuprofile in, a summary out.

export interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  /** Wall time the profile covers, ms (from V8's start of profiling, just after Node's bootstrap, to exit). */
  readonly totalMs: number;
  /** On-CPU time of this process's JS thread, ms (everything but `(idle)`). */
  readonly busyMs: number;
  /** Self time by package or part (`ssh2`, `listr2`, `jiti`, `lvsplay src/`, `node internals`, `GC`…), ms. */
  readonly byPart: readonly { part: string; ms: number }[];
  /** The costliest functions by self time. */
  readonly topFunctions: readonly { fn: string; part: string; ms: number }[];
  /** From the start of the profile to the first sample inside src/ssh/connection.ts's connect(), ms. */
  readonly firstConnectMs?: number;
  /** Busy time before that first connect (loading, inventory, roles, templates), ms. */
  readonly busyBeforeConnectMs?: number;
}

export function partOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url === '') return 'native';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) {
    const pkg = modules[1]!;
    if (pkg === 'ssh2') return /\/protocol\/crypto|\/crypto\//.test(url) ? 'ssh2 (crypto)' : 'ssh2';
    return pkg;
  }
  if (url.startsWith('node:')) return 'node internals';
  if (/\/(src|roles)\//.test(url)) return 'lvsplay (src/, roles/)';
  if (/\/templates\//.test(url)) return 'lvsplay templates';
  return 'other';
}

export function summarizeProfile(profile: CpuProfile, connectFile = '/src/ssh/connection.ts'): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  let busyUs = 0;
  let firstConnectUs: number | undefined;
  let busyBeforeUs = 0;
  const inConnect = new Map<number, boolean>();
  const underConnect = (id: number): boolean => {
    const known = inConnect.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const here = node?.callFrame.url.endsWith(connectFile);
    const result = here || (parent.has(id) && underConnect(parent.get(id)!));
    inConnect.set(id, result);
    return result;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    const idle = byId.get(id)?.callFrame.functionName === '(idle)';
    if (!idle) busyUs += delta;
    if (firstConnectUs === undefined) {
      if (underConnect(id)) firstConnectUs = at - profile.startTime;
      else if (!idle) busyBeforeUs += delta;
    }
  }
  const parts = new Map<string, number>();
  const functions = new Map<string, { fn: string; part: string; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const part = partOf(frame.url, frame.functionName);
    parts.set(part, (parts.get(part) ?? 0) + us);
    if (part === 'idle') continue;
    const file = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|roles|bench)\//, '$1/');
    const fn = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    const entry = functions.get(fn) ?? { fn, part, us: 0 };
    entry.us += us;
    functions.set(fn, entry);
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    totalMs: ms(profile.endTime - profile.startTime),
    busyMs: ms(busyUs),
    byPart: [...parts].map(([part, us]) => ({ part, ms: ms(us) })).sort((a, b) => b.ms - a.ms),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 15)
      .map((f) => ({ fn: f.fn, part: f.part, ms: ms(f.us) })),
    ...(firstConnectUs !== undefined && { firstConnectMs: ms(firstConnectUs), busyBeforeConnectMs: ms(busyBeforeUs) }),
  };
}
