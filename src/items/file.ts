import { createTwoFilesPatch } from 'diff';
import { EOF_MARK, packed } from '../apply/heredoc.ts';
import type { FileItem } from '../desired/state.ts';
import { sha256 } from '../desired/sha256.ts';
import type { HostFacts } from '../facts/batch.ts';
import { quote } from '../ssh/quote.ts';
import type { ItemKind, Planned, Verdict } from './kind.ts';

type Facts = Pick<HostFacts, 'files' | 'units' | 'systemdVersion'>;

// Up to this size a file travels as one quoted word written by the shell's own printf; a larger one
// (a 2,000-service rules file) gzipped, since the shell reads a big script slowly.
const INLINE_MAX = 16 * 1024;

/** A file lvsplay owns whole, decided by the mode and hash the host reports, written by `lvsplay_write`. */
export const fileKind: ItemKind<FileItem, Facts> = {
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
};

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
  const mode = octal(item.mode);
  // A umask gives the mode at creation, without a chmod process, unless the mode has exec or special bits.
  const umask = (item.mode & 0o7111) === 0 ? (0o777 & ~item.mode).toString(8).padStart(4, '0') : '-';
  const head = `lvsplay_write ${quote(item.path)} ${mode} ${umask}`;
  const inline = Buffer.byteLength(item.content) <= INLINE_MAX;
  return {
    title: `write ${item.path}`,
    items: [item],
    body: inline ? `${head} ${quote(item.content)}` : `${head} <<'${EOF_MARK}'\n${packed(item.content)}`,
  };
}
