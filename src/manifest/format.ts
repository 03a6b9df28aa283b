import { sha256 } from '../desired/sha256.ts';
import { parseCidr } from '../net/ipv4.ts';
import { TIMEOUT_NAMES, type TimeoutName } from '../facts/ipvs-timeouts.ts';
import { entryKey, type AddressEntry, type FileEntry, type IpvsTimeoutEntry, type ManifestEntry, type SysctlEntry } from './entries.ts';

/** Where each host's manifest lives: what lvsplay made there, so that it can undo it once it leaves the inventory. */
export const MANIFEST_PATH = '/var/lib/lvsplay/manifest.json';

export const MANIFEST_VERSION = 1;

/** A manifest that cannot be read as lvsplay wrote it: the host fails, and nothing is guessed or overwritten. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/**
 * The file's text: JSON, two-space indented, each section sorted by key, so that one set of entries always
 * gives the same bytes (the steady-state check hashes them). A sysctl's `prior` is the line right after its
 * `key`, an IPVS timeout's right after its `timeout` (a string, as a sysctl's): `withoutPriors` drops exactly those lines.
 */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  const sorted = [...entries].sort((a, b) => (entryKey(a) < entryKey(b) ? -1 : entryKey(a) > entryKey(b) ? 1 : 0));
  const of = <K extends ManifestEntry['kind']>(kind: K) => sorted.filter((e): e is Extract<ManifestEntry, { kind: K }> => e.kind === kind);
  const document = {
    version: MANIFEST_VERSION,
    files: of('file').map((e) => ({ path: e.path, sha256: e.sha256, unitFile: e.unitFile })),
    units: of('unit').map((e) => e.name),
    addresses: of('address').map((e) => ({ cidr: e.cidr, device: e.device, ...(e.label !== undefined && { label: e.label }) })),
    sysctl: of('sysctl').map((e) => ({ key: e.key, prior: e.prior })),
    modules: of('module').map((e) => e.name),
    ipvs: of('ipvs').flatMap((e) => [...e.services].sort()),
    // Only when there are any: the manifests of hosts that never had one keep the bytes they had.
    ...(of('ipvs-timeout').length > 0 && { ipvsTimeouts: of('ipvs-timeout').map((e) => ({ timeout: e.name, prior: e.prior === null ? null : String(e.prior) })) }),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

// The lines the steady-state check leaves out, as the host's sed matches them (ERE; JSON strings never hold a
// raw newline or control character).
const KEY_LINE = /^ {6}"(key|timeout)": /;
const PRIOR_LINE = /^ {6}"prior": (null|"([^"\\]|\\.)*")$/;

/**
 * The manifest's text without the prior value of each sysctl, the one part lvsplay cannot know before it
 * reads the file: its hash is what the host compares, so that a steady-state host sends a mark, not the file.
 * The host's `sed` in `withoutPriorsCommand` does the same to the file it has.
 */
export function withoutPriors(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    kept.push(lines[i]!);
    if (KEY_LINE.test(lines[i]!) && i + 1 < lines.length && PRIOR_LINE.test(lines[i + 1]!)) i++;
  }
  return kept.join('\n');
}

/** `withoutPriors` as a shell command on `path` (GNU or busybox sed). */
export function withoutPriorsCommand(path: string): string {
  return `LC_ALL=C sed -E '/^      "(key|timeout)": /{n;/^      "prior": (null|"([^"\\\\]|\\\\.)*")$/d;}' ${path}`;
}

/** The hash the host compares with: the manifest of `entries` as this run would write it, priors left out. */
export function steadyStateHash(entries: readonly ManifestEntry[]): string {
  return sha256(withoutPriors(formatManifest(entries)));
}

// Paths, unit names and sysctl keys are bare shell words (ssh/quote.ts's SAFE set): the host lists them from
// the file with sed, and no JSON escape can stand in one.
const WORD = /^[A-Za-z0-9_@%+:,./-]+$/;
/** serviceKey's forms: `tcp 10.0.0.1:80` (udp and sctp alike), or `fwmark 1`. */
const SERVICE = /^((tcp|udp|sctp) \d{1,3}(\.\d{1,3}){3}:\d{1,5}|fwmark \d{1,10})$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The manifest's text, read strictly: anything but what lvsplay writes is an error saying where. */
export function parseManifest(text: string): ManifestEntry[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`not JSON (${(error as Error).message})`);
  }
  const top = object(document, 'the file');
  if (top.version !== MANIFEST_VERSION) {
    throw new ManifestError(
      typeof top.version === 'number' && top.version > MANIFEST_VERSION
        ? `version ${top.version}, written by a newer lvsplay (this one reads version ${MANIFEST_VERSION})`
        : `version must be ${MANIFEST_VERSION}`,
    );
  }
  only(top, ['version', 'files', 'units', 'addresses', 'sysctl', 'modules', 'ipvs', 'ipvsTimeouts'], 'the file');
  const entries: ManifestEntry[] = [
    ...array(top.files, 'files').map((value, i) => fileEntry(object(value, `files[${i}]`), `files[${i}]`)),
    ...array(top.units, 'units').map((value, i): ManifestEntry => ({ kind: 'unit', name: word(value, `units[${i}]`) })),
    ...array(top.addresses, 'addresses').map((value, i) => addressEntry(object(value, `addresses[${i}]`), `addresses[${i}]`)),
    ...array(top.sysctl, 'sysctl').map((value, i) => sysctlEntry(object(value, `sysctl[${i}]`), `sysctl[${i}]`)),
    ...array(top.modules, 'modules').map((value, i): ManifestEntry => ({ kind: 'module', name: word(value, `modules[${i}]`) })),
    ...(top.ipvsTimeouts === undefined ? [] : array(top.ipvsTimeouts, 'ipvsTimeouts').map((value, i) => timeoutEntry(object(value, `ipvsTimeouts[${i}]`), `ipvsTimeouts[${i}]`))),
  ];
  const services = array(top.ipvs, 'ipvs').map((value, i) => matching(value, SERVICE, `ipvs[${i}]`, 'an IPVS service as `tcp 10.0.0.1:80` or `fwmark 1`'));
  if (services.length > 0) entries.push({ kind: 'ipvs', services });
  if (new Set(services).size !== services.length) throw new ManifestError('ipvs: a service is listed twice');
  const keys = entries.map(entryKey);
  const twice = keys.find((key, i) => keys.indexOf(key) !== i);
  if (twice) throw new ManifestError(`${twice} is recorded twice`);
  return entries;
}

function fileEntry(value: Record<string, unknown>, where: string): FileEntry {
  only(value, ['path', 'sha256', 'unitFile'], where);
  const path = word(value.path, `${where}.path`);
  if (!path.startsWith('/')) throw new ManifestError(`${where}.path must be absolute`);
  if (typeof value.unitFile !== 'boolean') throw new ManifestError(`${where}.unitFile must be true or false`);
  return { kind: 'file', path, sha256: matching(value.sha256, SHA256, `${where}.sha256`, '64 hex digits'), unitFile: value.unitFile };
}

function addressEntry(value: Record<string, unknown>, where: string): AddressEntry {
  only(value, ['cidr', 'device', 'label'], where);
  const cidr = typeof value.cidr === 'string' ? parseCidr(value.cidr) : undefined;
  if (!cidr?.ok) throw new ManifestError(`${where}.cidr must be an IPv4 address with its prefix`);
  const device = name(value.device, `${where}.device`);
  return { kind: 'address', cidr: value.cidr as string, device, ...(value.label !== undefined && { label: name(value.label, `${where}.label`) }) };
}

function sysctlEntry(value: Record<string, unknown>, where: string): SysctlEntry {
  only(value, ['key', 'prior'], where);
  const prior = value.prior;
  if (prior !== null && (typeof prior !== 'string' || /[\n\r]/.test(prior))) throw new ManifestError(`${where}.prior must be a value on one line, or null`);
  return { kind: 'sysctl', key: word(value.key, `${where}.key`), prior };
}

function timeoutEntry(value: Record<string, unknown>, where: string): IpvsTimeoutEntry {
  only(value, ['timeout', 'prior'], where);
  if (!(TIMEOUT_NAMES as readonly unknown[]).includes(value.timeout)) throw new ManifestError(`${where}.timeout must be one of ${TIMEOUT_NAMES.join(', ')}`);
  const prior = value.prior === null ? null : Number(matching(value.prior, /^\d{1,10}$/, `${where}.prior`, 'seconds as a string of digits, or null'));
  return { kind: 'ipvs-timeout', name: value.timeout as TimeoutName, prior };
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ManifestError(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new ManifestError(`${where} must be a list`);
  return value;
}

/** `label` and `ipvsTimeouts` may be left out: an address without a label, a manifest without timeouts. */
const OPTIONAL = ['label', 'ipvsTimeouts'];

function only(value: Record<string, unknown>, keys: readonly string[], where: string): void {
  const unknown = Object.keys(value).find((key) => !keys.includes(key));
  if (unknown !== undefined) throw new ManifestError(`${where} has an unknown field ${JSON.stringify(unknown)}`);
  const missing = keys.find((key) => !(key in value) && !OPTIONAL.includes(key));
  if (missing !== undefined) throw new ManifestError(`${where} lacks ${missing}`);
}

function word(value: unknown, where: string): string {
  return matching(value, WORD, where, 'a name of letters, digits and _@%+:,./-');
}

/** An interface name or label as Linux takes it: 1 to 15 characters, no '/', whitespace or control character. */
function name(value: unknown, where: string): string {
  if (typeof value !== 'string' || !/^[^\s/\p{Cc}]{1,15}$/u.test(value)) throw new ManifestError(`${where} must be an interface name`);
  return value;
}

function matching(value: unknown, pattern: RegExp, where: string, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new ManifestError(`${where} must be ${what}`);
  return value;
}
