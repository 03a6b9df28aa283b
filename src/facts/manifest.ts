import type { ManifestEntry } from '../manifest/entries.ts';
import { MANIFEST_PATH, ManifestError, parseManifest, withoutPriorsCommand } from '../manifest/format.ts';
import { parseAddresses, type LiveAddress } from './addresses.ts';
import { FactError, type Fact } from './fact.ts';
import { fileStatesFunction, parseFileStates, type FileState } from './files.ts';
import { ipvsFact, type IpvsFacts } from './ipvs.ts';
import { ipvsTimeoutsFact, type IpvsTimeouts } from './ipvs-timeouts.ts';
import { quote } from '../ssh/quote.ts';
import { gunzipBase64 } from './packed.ts';
import { parseSysctl } from './sysctl.ts';
import { parseUnits, type UnitState } from './units.ts';

/** The live state of what a manifest names, read with it: what planning a removal needs. */
export interface RecordedFacts {
  readonly files: ReadonlyMap<string, FileState>;
  readonly units: ReadonlyMap<string, UnitState>;
  readonly sysctl: ReadonlyMap<string, string | undefined>;
  readonly addresses: readonly LiveAddress[];
  /** Read only when the manifest names IPVS services and the desired state has no IPVS item to read it. */
  readonly ipvs: IpvsFacts | undefined;
  /** Read only when the manifest names IPVS timeouts; undefined too while ip_vs is not loaded. */
  readonly ipvsTimeouts?: IpvsTimeouts;
}

/**
 * The host's manifest: none yet (a host lvsplay set up before it kept one, or a bare one); `as-recorded`, when
 * it records exactly the items this run wants (a steady state: only a mark came back); or what it records,
 * with the live state of each thing it names.
 */
export type ManifestFact =
  | { readonly state: 'none' }
  | { readonly state: 'as-recorded' }
  | { readonly state: 'recorded'; readonly text: string; readonly entries: readonly ManifestEntry[]; readonly facts: RecordedFacts };

export interface ManifestRequest {
  /** `steadyStateHash` of the manifest this run would write; absent when it cannot tell (a `--role` run). */
  readonly steadyStateSha256?: string;
  /**
   * The entries this run wants (`recordsOf` its items): only a recorded entry no longer wanted is planned for
   * removal, so the live state of these is not read again here (their items' own facts read it).
   */
  readonly wanted?: readonly ManifestEntry[];
  /** Whether to list the IPVS table for the services the manifest names (not when the IPVS item does anyway). */
  readonly ipvs: boolean;
}

const NONE = '@@manifest-none';
const AS_RECORDED = '@@manifest-as-recorded';
const FACTS = '@@manifest-facts';
const SECTIONS = ['files', 'units', 'sysctl', 'addresses', 'ipvs', 'timeouts'] as const;
type Section = (typeof SECTIONS)[number];

const M = MANIFEST_PATH;
/** `sed -n` scripts that list, from lvsplay's own layout of the file, the words the host reads facts of. */
const PATHS = `sed -n 's/^      "path": "\\(.*\\)",$/\\1/p' ${M}`;
const UNITS = `sed -n '/^  "units": \\[$/,/^  \\]/s/^    "\\(.*\\)",\\{0,1\\}$/\\1/p' ${M}`;
const SYSCTL_KEYS = `sed -n 's/^      "key": "\\(.*\\)",$/\\1/p' ${M}`;

/**
 * `list` (a command printing a word a line) less the `wanted` words. Manifest words are bare shell words
 * (`parseManifest` refuses any other), and so are the items' paths, unit names and sysctl keys.
 */
function unwanted(list: string, wanted: readonly string[]): string {
  return wanted.length === 0 ? list : `${list} | grep -vxF${wanted.map((w) => ` -e ${quote(w)}`).join('')}`;
}

/**
 * The manifest and, unless the host finds it to record exactly what this run wants, the live state of what
 * it names: files (mode, hash), units, sysctls, addresses and, if asked, the IPVS table, all in the one
 * gzipped stream. A steady-state host prints one mark: the no-op costs a line.
 */
export function manifestFact(request: ManifestRequest): Fact<ManifestFact> {
  const wanted = request.wanted ?? [];
  const words = <K extends ManifestEntry['kind']>(kind: K, word: (entry: Extract<ManifestEntry, { kind: K }>) => string) =>
    wanted.flatMap((e) => (e.kind === kind ? [word(e as Extract<ManifestEntry, { kind: K }>)] : []));
  const paths = unwanted(
    PATHS,
    words('file', (e) => e.path),
  );
  const units = unwanted(
    UNITS,
    words('unit', (e) => e.name),
  );
  const sysctlPaths = `${unwanted(
    SYSCTL_KEYS,
    words('sysctl', (e) => e.key),
  )} | sed 's|\\.|/|g;s|^|/proc/sys/|'`;
  const asRecorded = request.steadyStateSha256 ? `elif [ "$(${withoutPriorsCommand(M)} | sha256sum)" = '${request.steadyStateSha256}  -' ]; then echo ${AS_RECORDED}` : '';
  const ipvs = request.ipvs ? [`if grep -q '^  "ipvs": \\[$' ${M}; then echo @@ipvs; ${ipvsFact({ table: [] }).command}; fi`] : [];
  const timeouts = `if grep -q '^  "ipvsTimeouts": \\[$' ${M}; then echo @@timeouts; ${ipvsTimeoutsFact.command}; fi`;
  return {
    name: 'manifest',
    command: [
      fileStatesFunction('lvsplay_mfiles', `$(${paths})`),
      `lvsplay_munits() { u=$(${units}); [ -z "$u" ] || systemctl show -p Id,LoadState,ActiveState,UnitFileState -- $u; }`,
      `lvsplay_msysctl() { k=$(${sysctlPaths}); [ -z "$k" ] || grep -H '' -- $k 2>/dev/null || true; }`,
      `if [ ! -e ${M} ]; then echo ${NONE}`,
      asRecorded,
      'else {',
      `cat ${M}; printf '\\n${FACTS}\\n@@files\\n'; lvsplay_mfiles`,
      'echo @@units; lvsplay_munits; echo @@sysctl; lvsplay_msysctl; echo @@addresses; ip -o -4 address show',
      ...ipvs,
      timeouts,
      '} | gzip -1 | base64; fi',
    ]
      .filter(Boolean)
      .join('\n'),
    parse: (output) => parseManifestFact(output, request.wanted),
  };
}

interface WantedWords {
  readonly paths: readonly string[];
  readonly units: readonly string[];
  readonly keys: readonly string[];
}

function wantedWords(wanted: readonly ManifestEntry[]): WantedWords {
  return {
    paths: wanted.flatMap((e) => (e.kind === 'file' ? [e.path] : [])),
    units: wanted.flatMap((e) => (e.kind === 'unit' ? [e.name] : [])),
    keys: wanted.flatMap((e) => (e.kind === 'sysctl' ? [e.key] : [])),
  };
}

/** `wanted`: as asked (`ManifestRequest.wanted`); the live state of those was not read. */
export function parseManifestFact(output: string, wanted: readonly ManifestEntry[] = []): ManifestFact {
  const mark = output.trim();
  if (mark === NONE) return { state: 'none' };
  if (mark === AS_RECORDED) return { state: 'as-recorded' };
  const stream = gunzipBase64('manifest', output, MANIFEST_PATH);
  const at = stream.indexOf(`\n${FACTS}\n`);
  if (at < 0) throw new FactError('manifest', `the facts of ${MANIFEST_PATH} did not arrive whole`);
  const text = stream.slice(0, at);
  let entries: ManifestEntry[];
  try {
    entries = parseManifest(text);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    throw new FactError(
      'manifest',
      `${MANIFEST_PATH} is damaged: ${error.message}. lvsplay will not guess what it made on this host: repair the file, or move it away to have lvsplay record only what the inventory owns now (and forget anything else it made)`,
    );
  }
  return { state: 'recorded', text, entries, facts: recordedFacts(stream.slice(at + FACTS.length + 2), entries, wantedWords(wanted)) };
}

function recordedFacts(output: string, entries: readonly ManifestEntry[], wanted: WantedWords): RecordedFacts {
  const sections = new Map<Section, string>();
  const parts = output.split(/^@@(files|units|sysctl|addresses|ipvs|timeouts)\n/m);
  for (let i = 1; i < parts.length; i += 2) sections.set(parts[i] as Section, parts[i + 1] ?? '');
  const units = entries.flatMap((e) => (e.kind === 'unit' && !wanted.units.includes(e.name) ? [e.name] : []));
  const keys = entries.flatMap((e) => (e.kind === 'sysctl' && !wanted.keys.includes(e.key) ? [e.key] : []));
  const ipvs = sections.get('ipvs');
  const timeouts = sections.get('timeouts');
  return {
    files: parseFileStates(sections.get('files') ?? ''),
    units: units.length > 0 ? parseUnits(sections.get('units') ?? '', units) : new Map(),
    sysctl: parseSysctl(sections.get('sysctl') ?? '', keys),
    addresses: parseAddresses(sections.get('addresses') ?? ''),
    ipvs: ipvs === undefined ? undefined : ipvsFact({ table: [] }).parse(ipvs),
    ...(timeouts !== undefined && { ipvsTimeouts: ipvsTimeoutsFact.parse(timeouts) }),
  };
}
