import type { HostState } from '../desired/state.ts';
import type { IpvsServiceId } from '../ipvs/table.ts';
import type { IPv4 } from '../net/ipv4.ts';
import { sha256 } from '../desired/sha256.ts';
import { IPVS_RULES_FILE } from '../../roles/parts/ipvs.ts';
import { addressesFact, type LiveAddress } from './addresses.ts';
import { FactError, type Fact } from './fact.ts';
import { filesFact, type FileState } from './files.ts';
import { ipvsFact, type IpvsFacts } from './ipvs.ts';
import { ipvsProcFact, type ProcTable } from './ipvs-proc.ts';
import { modulesFact } from './modules.ts';
import { osReleaseFact, type OsRelease } from './os-release.ts';
import { defaultRouteFact } from './route.ts';
import { sysctlFact } from './sysctl.ts';
import { systemdVersionFact } from './systemd.ts';
import { unitsFact, type UnitState } from './units.ts';

/** Everything the plan compares a host's desired state with, read in one round trip. */
export interface HostFacts {
  readonly os: OsRelease;
  readonly files: ReadonlyMap<string, FileState>;
  readonly modules: ReadonlySet<string>;
  readonly sysctl: ReadonlyMap<string, string | undefined>;
  readonly addresses: readonly LiveAddress[];
  readonly defaultRoute: IPv4 | undefined;
  readonly units: ReadonlyMap<string, UnitState>;
  readonly systemdVersion: number | undefined;
  readonly ipvs: IpvsFacts | undefined;
  /** Gathered instead of `ipvs` to read back changes /proc/net/ip_vs can prove (`procShowsChanges`). */
  readonly ipvsProc?: { readonly table: ProcTable };
}

const MARK = '@@lvsplay-fact';

/** The facts one host's state needs; a fact the state has no item for is not gathered. */
interface FactSet {
  readonly os: Fact<OsRelease>;
  readonly files?: Fact<Map<string, FileState>>;
  readonly modules?: Fact<Set<string>>;
  readonly sysctl?: Fact<Map<string, string | undefined>>;
  readonly addresses?: Fact<LiveAddress[]>;
  readonly defaultRoute?: Fact<IPv4 | undefined>;
  readonly units?: Fact<Map<string, UnitState>>;
  readonly systemd?: Fact<number | undefined>;
  readonly ipvs?: Fact<IpvsFacts>;
  readonly ipvsProc?: Fact<ProcTable>;
}

/**
 * The facts a host's desired state needs, as one script, and the parser that splits its output again;
 * `ipvsFromProc` reads those IPVS services from /proc/net/ip_vs instead (a read-back it can prove).
 */
export function factsScript(state: HostState, options: { readonly ipvsFromProc?: readonly IpvsServiceId[] } = {}): { script: string; parse: (output: string) => HostFacts } {
  const paths = state.items.flatMap((i) => (i.kind === 'file' ? [i.path] : []));
  const keys = state.items.flatMap((i) => (i.kind === 'sysctl' ? [i.key] : []));
  const units = state.items.flatMap((i) => (i.kind === 'unit' ? [i.name] : []));
  const modules = state.items.flatMap((i) => (i.kind === 'module' ? [i.name] : []));
  const unitFiles = state.items.flatMap((i) => (i.kind === 'file' && i.notify.some((h) => h.kind === 'daemon-reload') ? [i.path] : []));
  const kinds = new Set(state.items.map((i) => i.kind));
  const ipvs = state.items.find((i) => i.kind === 'ipvs');
  const rules = state.items.find((i) => i.kind === 'file' && i.path === IPVS_RULES_FILE);
  // The rules file is renderIpvsRules(ipvs.table): what ipvsadm-save -n prints for that table once it is live,
  // so its hash tells the host both whether the file and whether the live table are already as wanted.
  const rulesSha256 = rules?.kind === 'file' ? sha256(rules.content) : undefined;
  const set: FactSet = {
    os: osReleaseFact,
    ...(paths.length > 0 && { files: filesFact(paths) }),
    ...(modules.length > 0 && { modules: modulesFact(modules) }),
    ...(keys.length > 0 && { sysctl: sysctlFact(keys) }),
    ...(kinds.has('address') && { addresses: addressesFact }),
    ...(kinds.has('default-route') && { defaultRoute: defaultRouteFact }),
    ...(units.length > 0 && { units: unitsFact(units), systemd: systemdVersionFact(unitFiles) }),
    ...(ipvs && !options.ipvsFromProc && { ipvs: ipvsFact({ table: ipvs.table, ...(rulesSha256 && { rulesSha256 }) }) }),
    ...(ipvs && options.ipvsFromProc && { ipvsProc: ipvsProcFact(options.ipvsFromProc) }),
  };
  const facts = Object.values(set) as Fact<unknown>[];
  const script = [...facts.map((fact) => `echo '${MARK} ${fact.name}'\n${fact.command}`), `echo '${MARK} end'`, ''].join('\n');
  return { script, parse: (output) => parseFacts(output, set) };
}

function parseFacts(output: string, set: FactSet): HostFacts {
  const sections = new Map<string, string>();
  const parts = output.split(new RegExp(`^${MARK} (\\S+)\\n`, 'm'));
  for (let i = 1; i < parts.length; i += 2) sections.set(parts[i]!, parts[i + 1] ?? '');
  if (!sections.has('end')) throw new FactError('script', 'the facts script stopped before its end');
  const read = <T>(fact: Fact<T> | undefined, fallback: T): T => (fact ? fact.parse(sections.get(fact.name) ?? '') : fallback);
  return {
    os: read(set.os, { id: 'unknown', prettyName: 'unknown' }),
    files: read(set.files, new Map()),
    modules: read(set.modules, new Set()),
    sysctl: read(set.sysctl, new Map()),
    addresses: read(set.addresses, []),
    defaultRoute: read(set.defaultRoute, undefined),
    units: read(set.units, new Map()),
    systemdVersion: read(set.systemd, undefined),
    ipvs: read(set.ipvs, undefined),
    ...(set.ipvsProc && { ipvsProc: { table: set.ipvsProc.parse(sections.get(set.ipvsProc.name) ?? '') } }),
  };
}
