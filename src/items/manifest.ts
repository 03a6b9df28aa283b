import { sha256 } from '../desired/sha256.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { ManifestFact } from '../facts/manifest.ts';
import type { RoleName } from '../inventory/model.ts';
import { entryKey, type ManifestEntry } from '../manifest/entries.ts';
import { formatManifest, MANIFEST_PATH } from '../manifest/format.ts';
import type { StepDraft } from '../apply/step.ts';
import { writeCommand } from './file.ts';
import type { Verdict } from './kind.ts';

/**
 * The host's manifest as this run leaves it. Written by the apply script's last step, which runs even after
 * a failed step: `content` when every step succeeded (removals dropped), else `fallback`, which forgets
 * nothing (what the manifest recorded and what this run wanted), so that a failed run never loses track of
 * what it may have made.
 */
export interface PlannedManifest {
  readonly kind: 'manifest';
  readonly roles: readonly RoleName[];
  readonly verdict: Verdict;
  /** `content` null: nothing is left to record (the host is absent, or lvsplay no longer makes anything there), so the file goes. */
  readonly write?: { readonly content: string | null; readonly fallback: string };
  readonly ipvsChanges?: never;
}

export const MANIFEST_ITEM = `manifest ${MANIFEST_PATH}`;

/**
 * The manifest item: `desired` are the entries of this run's items (priors filled in), `removals` the entries
 * no longer desired. A run that covers only some of the host's roles (`partial`) removes nothing and keeps
 * every entry it does not want itself.
 */
export function planManifest(fact: ManifestFact, desired: readonly ManifestEntry[], partial: boolean, roles: readonly RoleName[]): PlannedManifest | undefined {
  if (fact.state === 'as-recorded') return { kind: 'manifest', roles, verdict: { status: 'ok', reason: `records the ${count(desired.length, 'thing')} lvsplay made here` } };
  // A host where lvsplay makes nothing (a NAT real server) gets no manifest, and no item for it.
  if (fact.state === 'none' && desired.length === 0) return undefined;
  const old = fact.state === 'recorded' ? fact.entries : [];
  const wanted = new Set(desired.map(entryKey));
  const others = old.filter((e) => !wanted.has(entryKey(e)));
  const kept = [...desired, ...(partial ? others : [])];
  const content = kept.length === 0 ? null : formatManifest(kept);
  const fallback = formatManifest([...desired, ...others]);
  if (fact.state === 'recorded' && content === fact.text)
    return { kind: 'manifest', roles, verdict: { status: 'ok', reason: `records the ${count(desired.length + (partial ? others.length : 0), 'thing')} lvsplay made here` } };
  const reason = fact.state === 'none' ? firstRecordReason(desired) : content === null ? `removed once the ${count(old.length, 'thing')} it records are undone` : changeReason(old, kept);
  return { kind: 'manifest', roles, verdict: { status: 'change', reason }, write: { content, fallback } };
}

function firstRecordReason(desired: readonly ManifestEntry[]): string {
  const unknown = desired.flatMap((e) => (e.kind === 'sysctl' && e.prior === null ? [e.key] : []));
  const priors =
    unknown.length > 0
      ? `; the value${unknown.length === 1 ? '' : 's'} of ${unknown.join(', ')} before lvsplay set ${unknown.length === 1 ? 'it is' : 'them are'} unknown, so removing ${unknown.length === 1 ? 'it' : 'them'} will leave the live value`
      : '';
  return `missing: records the ${count(desired.length, 'thing')} the inventory owns here now${priors}`;
}

function changeReason(old: readonly ManifestEntry[], next: readonly ManifestEntry[]): string {
  const before = new Map(old.map((e) => [entryKey(e), JSON.stringify(e)]));
  const after = new Map(next.map((e) => [entryKey(e), JSON.stringify(e)]));
  const added = [...after.keys()].filter((k) => !before.has(k));
  const dropped = [...before.keys()].filter((k) => !after.has(k));
  const updated = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
  const parts = [listed('adds', added), listed('drops', dropped), listed('updates', updated)].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'rewritten as lvsplay writes it';
}

function listed(verb: string, keys: readonly string[]): string {
  if (keys.length === 0) return '';
  const more = keys.length > 3 ? ` and ${keys.length - 3} more` : '';
  return `${verb} ${keys.slice(0, 3).join(', ')}${more}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The last step of the apply script, run even after a failed one (`always`). */
export function manifestStep(manifest: PlannedManifest): StepDraft[] {
  if (manifest.verdict.status !== 'change' || !manifest.write) return [];
  const { content, fallback } = manifest.write;
  const write = (text: string | null) => (text === null ? `rm -f ${MANIFEST_PATH}` : writeCommand(MANIFEST_PATH, 0o644, text));
  const body = content === fallback ? write(content) : `if [ -z "$lvsplay_failed" ]; then\n${write(content)}\nelse\n${write(fallback)}\nfi`;
  return [{ title: `${content === null ? 'remove' : 'write'} ${MANIFEST_PATH}`, items: [manifest], body, always: true }];
}

/** Proven by the file's hash (whichever of the two the script wrote), or by its absence where it was to go. */
export function readBackManifest(manifest: PlannedManifest, facts: HostFacts): Verdict {
  const live = facts.files.get(MANIFEST_PATH);
  const content = manifest.write?.content;
  if (manifest.write && content === null && live && !live.exists) return { status: 'ok', reason: 'removed: lvsplay made nothing here any more' };
  const written = manifest.write && live?.exists && [content, manifest.write.fallback].flatMap((text) => (text == null ? [] : [sha256(text)])).includes(live.sha256);
  if (written) return { status: 'ok', reason: content != null && live.sha256 === sha256(content) ? 'written' : 'written, keeping every entry since a step failed' };
  return { status: 'change', reason: `${MANIFEST_PATH} is not what lvsplay wrote` };
}
