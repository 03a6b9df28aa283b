import type { IPv4 } from '../net/ipv4.ts';
import { addressesFact, type LiveAddress } from './addresses.ts';
import { FactError, type Fact } from './fact.ts';
import { filesFact, type FileState } from './files.ts';
import { ipvsFact, type IpvsFacts } from './ipvs.ts';
import { ipvsGoneFact } from './ipvs-gone.ts';
import { ipvsProcFact, type ProcTable } from './ipvs-proc.ts';
import { ipvsTimeoutsFact, type IpvsTimeouts } from './ipvs-timeouts.ts';
import { linksFact, type LinkState } from './links.ts';
import { manifestFact, type ManifestFact } from './manifest.ts';
import { modulesFact } from './modules.ts';
import { nftTableFact, type NftTableFact } from './nft-table.ts';
import { osReleaseFact, type OsRelease } from './os-release.ts';
import { packagesFact, type PackagesFact } from './packages.ts';
import type { FactRequest } from './request.ts';
import { defaultRouteFact } from './route.ts';
import { sysctlFact } from './sysctl.ts';
import { systemdVersionFact } from './systemd.ts';
import { unitsFact, type UnitState } from './units.ts';

/** Everything the plan compares a host's desired state with, read in one round trip. */
export interface HostFacts {
  readonly os: OsRelease;
  readonly packages: PackagesFact;
  readonly files: ReadonlyMap<string, FileState>;
  readonly modules: ReadonlySet<string>;
  readonly sysctl: ReadonlyMap<string, string | undefined>;
  readonly links: ReadonlyMap<string, LinkState>;
  readonly addresses: readonly LiveAddress[];
  readonly defaultRoute: IPv4 | undefined;
  readonly units: ReadonlyMap<string, UnitState>;
  readonly systemdVersion: number | undefined;
  readonly ipvs: IpvsFacts | undefined;
  /** Gathered instead of `ipvs` to read back changes /proc/net/ip_vs can prove (`procShowsChanges`). */
  readonly ipvsProc?: { readonly table: ProcTable };
  /** Of the real servers asked for (`ipvsGone`), those still live after the wait, as /proc/net/ip_vs names them. */
  readonly ipvsStill?: ReadonlySet<string>;
  /** The host's manifest, when asked for (a plan's facts; a read-back has none). */
  readonly manifest?: ManifestFact;
  /** The IPVS connection timeouts, when asked for; undefined too while ip_vs is not loaded. */
  readonly ipvsTimeouts?: IpvsTimeouts;
  /** lvsplay's nftables table, when asked for. */
  readonly nftTable?: NftTableFact;
}

const MARK = '@@lvsplay-fact';

/** The facts one request needs; a fact nothing asked for is not gathered. */
interface FactSet {
  readonly os: Fact<OsRelease>;
  readonly packages?: Fact<PackagesFact>;
  readonly files?: Fact<Map<string, FileState>>;
  readonly modules?: Fact<Set<string>>;
  readonly sysctl?: Fact<Map<string, string | undefined>>;
  readonly links?: Fact<Map<string, LinkState>>;
  readonly addresses?: Fact<LiveAddress[]>;
  readonly defaultRoute?: Fact<IPv4 | undefined>;
  readonly units?: Fact<Map<string, UnitState>>;
  readonly systemd?: Fact<number | undefined>;
  readonly ipvs?: Fact<IpvsFacts>;
  readonly ipvsProc?: Fact<ProcTable>;
  readonly ipvsGone?: Fact<ReadonlySet<string>>;
  readonly manifest?: Fact<ManifestFact>;
  readonly ipvsTimeouts?: Fact<IpvsTimeouts | undefined>;
  readonly nftTable?: Fact<NftTableFact>;
}

/** The request as one script, in a fixed order whatever asked for what, and the parser that splits its output again. */
export function batchFacts(request: FactRequest): { script: string; parse: (output: string) => HostFacts } {
  const { packages = [], files = [], modules = [], sysctl = [], links = [], units = [], unitFiles = [] } = request;
  const set: FactSet = {
    os: osReleaseFact,
    ...(packages.length > 0 && { packages: packagesFact(packages) }),
    ...(files.length > 0 && { files: filesFact(files) }),
    ...(modules.length > 0 && { modules: modulesFact(modules) }),
    ...(sysctl.length > 0 && { sysctl: sysctlFact(sysctl) }),
    ...(links.length > 0 && { links: linksFact(links) }),
    ...(request.addresses && { addresses: addressesFact }),
    ...(request.defaultRoute && { defaultRoute: defaultRouteFact }),
    ...(units.length > 0 && { units: unitsFact(units), systemd: systemdVersionFact(unitFiles) }),
    ...(request.ipvs && { ipvs: ipvsFact(request.ipvs) }),
    ...(request.ipvsProc && { ipvsProc: ipvsProcFact(request.ipvsProc) }),
    ...(request.ipvsGone && { ipvsGone: ipvsGoneFact(request.ipvsGone) }),
    ...(request.manifest && { manifest: manifestFact(request.manifest) }),
    ...(request.ipvsTimeouts && { ipvsTimeouts: ipvsTimeoutsFact }),
    ...(request.nftTable && { nftTable: nftTableFact }),
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
    // Not gathered: no package item to plan on it.
    packages: read(set.packages, { query: 'none' }),
    files: read(set.files, new Map()),
    modules: read(set.modules, new Set()),
    sysctl: read(set.sysctl, new Map()),
    links: read(set.links, new Map()),
    addresses: read(set.addresses, []),
    defaultRoute: read(set.defaultRoute, undefined),
    units: read(set.units, new Map()),
    systemdVersion: read(set.systemd, undefined),
    ipvs: read(set.ipvs, undefined),
    ...(set.ipvsProc && { ipvsProc: { table: set.ipvsProc.parse(sections.get(set.ipvsProc.name) ?? '') } }),
    ...(set.ipvsGone && { ipvsStill: set.ipvsGone.parse(sections.get(set.ipvsGone.name) ?? '') }),
    ...(set.manifest && { manifest: set.manifest.parse(sections.get(set.manifest.name) ?? '') }),
    ...(set.ipvsTimeouts && { ipvsTimeouts: set.ipvsTimeouts.parse(sections.get(set.ipvsTimeouts.name) ?? '') }),
    ...(set.nftTable && { nftTable: set.nftTable.parse(sections.get(set.nftTable.name) ?? '') }),
  };
}
