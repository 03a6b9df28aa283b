// A plan case as data (pyinfra's tests/operations/*.json style), read from test/unit/plan/cases/: an
// inventory and a host, what the host printed for each fact, and the plan that must come out. This module
// reads and checks a case file and turns its facts into the facts script's output; cases.test.ts runs them.
import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseDocument } from 'yaml';
import type { FileItem, HostState } from '../../../src/desired/state.ts';
import { sha256 } from '../../../src/desired/sha256.ts';
import type { UnmanagedService } from '../../../src/plan/plan.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The plan a case expects, in the order the plan lists it. */
export interface ExpectedPlan {
  readonly items: readonly ExpectedItem[];
  /** `sysctl-load FILE` or `daemon-reload`; always stated, `[]` when none fire. */
  readonly handlers: readonly string[];
  readonly unmanaged: readonly UnmanagedService[];
}

export interface ExpectedItem {
  /** As the report names it (`describeItem`). */
  readonly item: string;
  readonly status: 'ok' | 'change' | 'fail' | 'remove';
  readonly reason: string;
  /** The IPVS item's `ipvsadm -R` input, line by line; stated on that item only. */
  readonly 'ipvsadm -R'?: readonly string[];
}

/** A managed file on the host: missing, or its mode and either its content or the desired file's hash. */
export type FileFact = 'missing' | { readonly mode: string; readonly content: string } | { readonly mode: string; readonly sha256: 'desired' };

/** The IPVS fact as the host prints it before packing (see `ipvsFact` in src/facts/ipvs.ts). */
export interface IpvsFact {
  /** What `ipvsadm-save -n` printed, or the host's mark: `@@no-ip_vs`, `@@live-as-desired`. */
  readonly live: string;
  /** The rules file /etc/sysconfig/ipvsadm, or `@@as-desired` when it hashes to the wanted one; absent: no file. */
  readonly persisted?: string;
}

/**
 * The host's manifest: `none` (no file), `as-recorded` (the host found it to record what this run wants, and
 * sent only its mark), or the file and what the host read of the things it names, each as its command
 * prints it (files as in `facts.files`, `sha256: recorded` for the hash the manifest records).
 */
export type ManifestCaseFact =
  | 'none'
  | 'as-recorded'
  | {
      readonly text: string;
      readonly files: Readonly<Record<string, FileFact | { readonly mode: string; readonly sha256: 'recorded' }>>;
      readonly units: string;
      readonly sysctl: string;
      readonly addresses: string;
      readonly ipvs?: IpvsFact;
    };

export interface PlanCase {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  /** A seed under inventories/ (`dr`), or an inventory inline. */
  readonly inventory: string | Record<string, unknown>;
  readonly host: string;
  /** By fact name (`packages`, `sysctl`, `units`, …): each fact's output as its command prints it, but `files`, `ipvs` and `manifest`. */
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expect: ExpectedPlan;
}

export const NO_IPVS_MARKS = ['@@no-ip_vs', '@@live-as-desired'];

/** A malformed case file: the runner reports it as a failing test, never skips it. */
export class CaseFileError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'CaseFileError';
  }
}

export const CASE_EXTENSIONS = ['.yml', '.yaml', '.json'];

export function readCase(path: string): PlanCase {
  const file = basename(path);
  if (!CASE_EXTENSIONS.includes(extname(file))) throw new CaseFileError(file, `not a case file (${CASE_EXTENSIONS.join(', ')})`);
  const document = parseDocument(readFileSync(path, 'utf8'), { uniqueKeys: true });
  if (document.errors.length > 0) throw new CaseFileError(file, document.errors.map((e) => e.message).join('; '));
  return checkCase(file, document.toJS());
}

function checkCase(file: string, input: unknown): PlanCase {
  const fail = (reason: string): never => {
    throw new CaseFileError(file, reason);
  };
  const top = record(input, 'the case', fail);
  onlyKeys(top, ['name', 'description', 'inventory', 'host', 'facts', 'expect'], 'the case', fail);
  const inventory = top.inventory;
  if (typeof inventory !== 'string' && !isRecord(inventory)) fail('inventory must be a seed name or a mapping');
  const facts = record(top.facts, 'facts', fail);
  for (const [name, output] of Object.entries(facts)) {
    if (name === 'files') checkFiles(record(output, 'facts.files', fail), fail);
    else if (name === 'ipvs') checkIpvs(record(output, 'facts.ipvs', fail), fail);
    else if (name === 'manifest') checkManifest(output, fail);
    else text(output, `facts.${name}`, fail);
  }
  const expect = record(top.expect, 'expect', fail);
  onlyKeys(expect, ['items', 'handlers', 'unmanaged'], 'expect', fail);
  list(expect.items, 'expect.items', fail).forEach((item, i) => {
    checkItem(record(item, `expect.items[${i}]`, fail), `expect.items[${i}]`, fail);
  });
  list(expect.handlers, 'expect.handlers', fail).forEach((h, i) => {
    text(h, `expect.handlers[${i}]`, fail);
  });
  list(expect.unmanaged, 'expect.unmanaged', fail).forEach((u, i) => {
    checkUnmanaged(record(u, `expect.unmanaged[${i}]`, fail), `expect.unmanaged[${i}]`, fail);
  });
  return {
    file,
    name: text(top.name, 'name', fail),
    description: text(top.description, 'description', fail),
    inventory: inventory as PlanCase['inventory'],
    host: text(top.host, 'host', fail),
    facts,
    expect: expect as unknown as ExpectedPlan,
  };
}

function checkItem(item: Record<string, unknown>, where: string, fail: (reason: string) => never): void {
  onlyKeys(item, ['item', 'status', 'reason', 'ipvsadm -R'], where, fail);
  const name = text(item.item, `${where}.item`, fail);
  if (!['ok', 'change', 'fail', 'remove'].includes(text(item.status, `${where}.status`, fail))) fail(`${where}.status must be ok, change, fail or remove`);
  text(item.reason, `${where}.reason`, fail);
  const isIpvs = name.startsWith('IPVS table');
  if (isIpvs !== 'ipvsadm -R' in item) fail(`${where}: 'ipvsadm -R' is stated on the IPVS item, and on it only (use [] for none)`);
  if (isIpvs)
    list(item['ipvsadm -R'], `${where}.ipvsadm -R`, fail).forEach((line, i) => {
      text(line, `${where}.ipvsadm -R[${i}]`, fail);
    });
}

function checkUnmanaged(service: Record<string, unknown>, where: string, fail: (reason: string) => never): void {
  text(service.service, `${where}.service`, fail);
  if (service.kind === 'not-owned') onlyKeys(service, ['service', 'kind'], where, fail);
  else if (service.kind === 'unsupported') {
    onlyKeys(service, ['service', 'kind', 'reason'], where, fail);
    text(service.reason, `${where}.reason`, fail);
  } else fail(`${where}.kind must be not-owned or unsupported`);
}

function checkFiles(files: Record<string, unknown>, fail: (reason: string) => never): void {
  for (const [path, state] of Object.entries(files)) {
    const where = `facts.files.${path}`;
    if (state === 'missing') continue;
    const file = record(state, where, fail);
    if (!/^0[0-7]{3}$/.test(text(file.mode, `${where}.mode`, fail))) fail(`${where}.mode must be octal, as '0644'`);
    if ('content' in file) {
      onlyKeys(file, ['mode', 'content'], where, fail);
      text(file.content, `${where}.content`, fail);
    } else {
      onlyKeys(file, ['mode', 'sha256'], where, fail);
      if (file.sha256 !== 'desired') fail(`${where} needs content, or sha256: desired`);
    }
  }
}

function checkManifest(output: unknown, fail: (reason: string) => never): void {
  if (output === 'none' || output === 'as-recorded') return;
  const manifest = record(output, 'facts.manifest (none, as-recorded, or the file and its facts)', fail);
  onlyKeys(manifest, ['text', 'files', 'units', 'sysctl', 'addresses', 'ipvs'], 'facts.manifest', fail);
  for (const key of ['text', 'units', 'sysctl', 'addresses']) text(manifest[key], `facts.manifest.${key}`, fail);
  for (const [path, state] of Object.entries(record(manifest.files, 'facts.manifest.files', fail))) {
    const where = `facts.manifest.files.${path}`;
    if (state === 'missing') continue;
    const file = record(state, where, fail);
    if (!/^0[0-7]{3}$/.test(text(file.mode, `${where}.mode`, fail))) fail(`${where}.mode must be octal, as '0644'`);
    if (!('content' in file) && file.sha256 !== 'recorded') fail(`${where} needs content, or sha256: recorded`);
  }
  if ('ipvs' in manifest) checkIpvs(record(manifest.ipvs, 'facts.manifest.ipvs', fail), fail);
}

function checkIpvs(ipvs: Record<string, unknown>, fail: (reason: string) => never): void {
  onlyKeys(ipvs, ['live', 'persisted'], 'facts.ipvs', fail);
  text(ipvs.live, 'facts.ipvs.live', fail);
  if ('persisted' in ipvs) text(ipvs.persisted, 'facts.ipvs.persisted', fail);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, where: string, fail: (reason: string) => never): Record<string, unknown> {
  return isRecord(value) ? value : fail(`${where} must be a mapping`);
}

function list(value: unknown, where: string, fail: (reason: string) => never): unknown[] {
  return Array.isArray(value) ? value : fail(`${where} must be a list (stated even when empty)`);
}

function text(value: unknown, where: string, fail: (reason: string) => never): string {
  return typeof value === 'string' ? value : fail(`${where} must be a string`);
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], where: string, fail: (reason: string) => never): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) fail(`${where} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
}

export function seedPath(name: string): string {
  return join(ROOT, 'inventories', `${name}.ts`);
}

/** Debian 12's /etc/os-release, for cases that do not state their own (no verdict depends on it). */
const DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';

const MARK = '@@lvsplay-fact';

/**
 * The output of the facts script `script` on a host that printed `facts`: each fact under its mark, the
 * files fact as `stat` and `sha256sum` print it, the IPVS fact packed as the host packs it. A fact the script
 * gathers and the case does not state, or one the case states and the script does not gather, is an error.
 */
export function factsOutput(c: PlanCase, state: HostState, script: string): string {
  const gathered = [...script.matchAll(new RegExp(`^echo '${MARK} (\\S+)'$`, 'gm'))].map((m) => m[1]!).filter((name) => name !== 'end');
  const stated: Readonly<Record<string, unknown>> = { 'os-release': DEBIAN_12, ...c.facts };
  const missing = gathered.filter((name) => !(name in stated));
  const extra = Object.keys(stated).filter((name) => !gathered.includes(name));
  if (missing.length > 0) throw new CaseFileError(c.file, `facts lacks ${missing.join(', ')}, which the facts script gathers for ${c.host}`);
  if (extra.length > 0) throw new CaseFileError(c.file, `facts has ${extra.join(', ')}, which the facts script does not gather for ${c.host}`);
  const sections = gathered.map((name) => {
    const output = stated[name];
    if (name === 'files') return filesOutput(c.file, output as Record<string, FileFact>, state);
    if (name === 'ipvs') return ipvsOutput(output as IpvsFact);
    if (name === 'manifest') return manifestOutput(output as ManifestCaseFact);
    return output as string;
  });
  return gathered.map((name, i) => `${MARK} ${name}\n${withNewline(sections[i]!)}`).join('') + `${MARK} end\n`;
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** `missing PATH` lines, then `stat -c '%a %n'` and `sha256sum` of the files that exist, as files.ts runs them. */
function filesOutput(file: string, files: Record<string, FileFact>, state: HostState): string {
  const wanted = state.items.filter((i): i is FileItem & HostState['items'][number] => i.kind === 'file');
  const paths = wanted.map((i) => i.path);
  const unknown = Object.keys(files).filter((path) => !paths.includes(path));
  const unstated = paths.filter((path) => !(path in files));
  if (unknown.length > 0) throw new CaseFileError(file, `facts.files has ${unknown.join(', ')}, which the host does not manage`);
  if (unstated.length > 0) throw new CaseFileError(file, `facts.files lacks ${unstated.join(', ')}`);
  const present = wanted.flatMap((item) => {
    const fact = files[item.path]!;
    if (fact === 'missing') return [];
    const hash = 'content' in fact ? sha256(fact.content) : sha256(item.content);
    return [{ path: item.path, mode: fact.mode.replace(/^0/, ''), hash }];
  });
  return [
    ...paths.filter((path) => files[path] === 'missing').map((path) => `missing ${path}\n`),
    ...present.map((f) => `${f.mode} ${f.path}\n`),
    ...present.map((f) => `${f.hash}  ${f.path}\n`),
  ].join('');
}

/** The manifest fact's output: a mark, or the file and the facts of what it names in one packed stream. */
function manifestOutput(manifest: ManifestCaseFact): string {
  if (manifest === 'none') return '@@manifest-none\n';
  if (manifest === 'as-recorded') return '@@manifest-as-recorded\n';
  const recorded = new Map<string, string>((JSON.parse(manifest.text) as { files?: { path: string; sha256: string }[] }).files?.map((f) => [f.path, f.sha256]) ?? []);
  const entries = Object.entries(manifest.files);
  const present = entries.flatMap(([path, fact]) => (fact === 'missing' ? [] : [{ path, mode: fact.mode.replace(/^0/, ''), hash: 'content' in fact ? sha256(fact.content) : recorded.get(path)! }]));
  const files = [
    ...entries.filter(([, fact]) => fact === 'missing').map(([path]) => `missing ${path}\n`),
    ...present.map((f) => `${f.mode} ${f.path}\n`),
    ...present.map((f) => `${f.hash}  ${f.path}\n`),
  ].join('');
  const sections = [`@@files\n${files}`, `@@units\n${withNewline(manifest.units)}`, `@@sysctl\n${withNewline(manifest.sysctl)}`, `@@addresses\n${withNewline(manifest.addresses)}`];
  if (manifest.ipvs) sections.push(`@@ipvs\n${ipvsOutput(manifest.ipvs)}`);
  return packed(`${manifest.text}\n@@manifest-facts\n${sections.join('')}`);
}

/** The IPVS fact's output: a mark or the gzipped listing, then the rules file's services, gzipped. */
function ipvsOutput(ipvs: IpvsFact): string {
  const live = NO_IPVS_MARKS.includes(ipvs.live.trim()) ? withNewline(ipvs.live) : packed(withNewline(ipvs.live));
  const persisted = ipvs.persisted === undefined ? '' : ipvs.persisted.trim() === '@@as-desired' ? withNewline(ipvs.persisted) : packed(ipvs.persisted);
  return `${live}@@persisted\n${persisted}`;
}

/** As `gzip -1 | base64` prints it: lines of 76 characters. */
function packed(text: string): string {
  return `${gzipSync(text, { level: 1 }).toString('base64').replace(/.{76}/g, '$&\n')}\n`;
}
