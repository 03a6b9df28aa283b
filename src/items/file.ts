import { createTwoFilesPatch } from 'diff';
import { EOF_MARK, packed } from '../apply/heredoc.ts';
import type { FileItem } from '../desired/state.ts';
import { sha256 } from '../desired/sha256.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { FileState } from '../facts/files.ts';
import { quote } from '../ssh/quote.ts';
import type { FileEntry } from '../manifest/entries.ts';
import type { ItemKind, Planned, Verdict } from './kind.ts';
import { NO_LONGER_WANTED } from './removal-words.ts';

type Facts = Pick<HostFacts, 'files' | 'units' | 'systemdVersion'>;

// Up to this size a file travels as one quoted word written by the shell's own printf; a larger one
// (a 2,000-service rules file) gzipped, since the shell reads a big script slowly.
const INLINE_MAX = 16 * 1024;

/** A file lvsplay owns whole, decided by the mode and hash the host reports, written by `lvsplay_write`. */
export const fileKind: ItemKind<FileItem, Facts, object, FileEntry> = {
  kind: 'file',
  key: (item) => `file ${item.path}`,
  describe: (item) => `file ${item.path}`,
  facts: (item) => ({
    files: [item.path],
    ...(item.notify.some((h) => h.kind === 'daemon-reload') && { unitFiles: [item.path] }),
  }),
  plan: (item, facts) => ({ verdict: verdictOf(item, facts) }),
  fires: (item, facts) => item.notify.filter((h) => !(h.kind === 'daemon-reload' && loadsWithoutReload(item, facts))),
  steps: (changed) => changed.map(writeStep),
  diffReads: (item) => [item.path],
  diff: (changed, onHost) => changed.map((file) => createTwoFilesPatch(file.path, file.path, onHost.get(file.path) ?? '', file.content, 'on host', 'wanted')),
  record: (item) => ({ kind: 'file', path: item.path, sha256: sha256(item.content), unitFile: item.notify.some((h) => h.kind === 'daemon-reload') }),
  describeEntry: (entry) => `file ${entry.path}`,
  planRemoval: (entry, facts) => ({ verdict: removalVerdict(entry, facts.files.get(entry.path)) }),
  // Kept under the run's backup folder first, as a replaced file is.
  removeSteps: (removed) => removed.map((r) => ({ title: `remove ${r.entry.path}`, items: [r], body: `lvsplay_remove ${quote(r.entry.path)}` })),
  // systemd keeps a unit it loaded until told to read its folders again.
  removalFires: (entry) => (entry.unitFile ? [{ kind: 'daemon-reload' }] : []),
  removalReadBackFacts: (entry) => ({ files: [entry.path] }),
  removalDiffReads: (entry) => [entry.path],
  diffRemoved: (removed, onHost) => removed.map((r) => createTwoFilesPatch(r.entry.path, r.entry.path, onHost.get(r.entry.path) ?? '', '', 'on host', 'removed')),
};

function removalVerdict(entry: FileEntry, live: FileState | undefined): Verdict {
  if (live?.exists === false) return { status: 'ok', reason: `${NO_LONGER_WANTED}, and already gone` };
  const edited = live?.exists && live.sha256 !== entry.sha256 ? ', edited since lvsplay wrote it' : '';
  return { status: 'remove', reason: `${NO_LONGER_WANTED}: remove it${edited} (a copy is kept in the run's backup folder)` };
}

function verdictOf(item: FileItem, facts: Facts): Verdict {
  const live = facts.files.get(item.path);
  if (!live?.exists) return { status: 'change', reason: 'missing' };
  const contentDiffers = live.sha256 !== sha256(item.content);
  const modeDiffers = live.mode !== item.mode;
  if (contentDiffers && modeDiffers) return { status: 'change', reason: `content differs, mode ${octal(live.mode)} → ${octal(item.mode)}` };
  if (contentDiffers) return { status: 'change', reason: 'content differs' };
  if (modeDiffers) return { status: 'change', reason: `mode ${octal(live.mode)} → ${octal(item.mode)}` };
  return { status: 'ok', reason: 'content and mode match' };
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

// systemd 246 and later load a unit file new to the host when asked for it, even one looked up before and
// found missing (its unit cache sees the folder changed): only a file it has loaded needs the reload, which
// takes seconds on a small host. Older or unknown versions, or a unit still loaded from a file since
// deleted, get the reload.
const LOADS_NEW_UNITS_SINCE = 246;

function loadsWithoutReload(item: FileItem, facts: Facts): boolean {
  if (facts.files.get(item.path)?.exists !== false || (facts.systemdVersion ?? 0) < LOADS_NEW_UNITS_SINCE) return false;
  const file = item.path.slice(item.path.lastIndexOf('/') + 1);
  const template = file.endsWith('@.service') ? file.slice(0, -'.service'.length) : undefined;
  const units = [...facts.units].filter(([name]) => name === file || (template !== undefined && name.startsWith(template)));
  return units.every(([, unit]) => unit.load === 'not-found');
}

// `lvsplay_write` is defined by the apply script's preamble (apply/script.ts).
function writeStep(item: Planned<FileItem>) {
  const write = writeCommand(item.path, item.mode, item.content);
  return { title: `write ${item.path}`, items: [item], body: item.check ? `${CHECKS[item.check]}\nlvsplay_check=${item.check}\n${write}` : write };
}

/**
 * `lvsplay_check_NAME TEMP PATH`: whether the new content, written to TEMP, may replace PATH; said why not.
 * keepalived -t exits 0 for a file it cannot even find (seen with 2.2.7), so what it prints counts too:
 * it says nothing about a sound configuration. Its messages name the temp file: they are made to name PATH.
 */
const CHECKS: Readonly<Record<NonNullable<FileItem['check']>, string>> = {
  keepalived: [
    'lvsplay_check_keepalived() {',
    '  lvsplay_said=$(keepalived -t -f "$1" 2>&1 >/dev/null); lvsplay_rc=$?',
    '  [ "$lvsplay_rc" -ne 0 ] || [ -n "$lvsplay_said" ] || return 0',
    '  printf \'keepalived -t refused the new %s (exit %s), which was not installed:\\n\' "$2" "$lvsplay_rc"',
    '  printf \'%s\\n\' "$lvsplay_said" | sed "s|$1|$2|g; s|${1##*/}|$2|g"',
    '  return 1',
    '}',
  ].join('\n'),
};

/** The shell command that writes `content` to `path` as `mode`, atomically, keeping the file it replaces. */
export function writeCommand(path: string, mode: number, content: string): string {
  // A umask gives the mode at creation, without a chmod process, unless the mode has exec or special bits.
  const umask = (mode & 0o7111) === 0 ? (0o777 & ~mode).toString(8).padStart(4, '0') : '-';
  const head = `lvsplay_write ${quote(path)} ${octal(mode)} ${umask}`;
  return Buffer.byteLength(content) <= INLINE_MAX ? `${head} ${quote(content)}` : `${head} <<'${EOF_MARK}'\n${packed(content)}`;
}
