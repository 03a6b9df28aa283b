import { sameTable } from '../ipvs/equal.ts';
import { parseIpvsSave } from '../ipvs/parse.ts';
import { serviceKey, type IpvsTable } from '../ipvs/table.ts';
import type { Fact } from './fact.ts';
import { parseThresholdListing, thresholdKeys, thresholdsListCommand, withThresholds, type ThresholdListing } from './ipvs-thresholds.ts';
import { captured, gunzipBase64, hashesTo, reportingFailure, succeeded } from './packed.ts';

export interface IpvsFacts {
  /** False until ip_vs is loaded; the table is then empty, and reading it must not load the module. */
  readonly moduleLoaded: boolean;
  /** The live services lvsplay can represent and may change. */
  readonly live: IpvsTable;
  /**
   * Live services it cannot represent (IPv6, a non-contiguous -M, …), by key, each with why (`-M 255.255.255.0`):
   * never edited or deleted.
   */
  readonly foreign: ReadonlyMap<string, string>;
  /** The services of the rules file the last run persisted (by `serviceKey`): lvsplay owns them, besides the desired ones. */
  readonly persisted: ReadonlySet<string>;
  /**
   * True when the host found `ipvsadm-save -n` to print exactly the rules file this run writes (less its
   * thresholds) and the listed thresholds are the desired ones: `live` is then the desired table (nothing
   * was sent), and `foreign` is empty.
   */
  readonly liveIsRulesFile: boolean;
}

/** What the ipvs fact compares the host's table and rules file with. */
export interface IpvsDesired {
  readonly table: IpvsTable;
  /** The rules file this run writes. */
  readonly rulesSha256?: string;
  /** What `ipvsadm-save -n` prints once `table` is live: the rules file without its thresholds. Defaults to `rulesSha256`. */
  readonly saveSha256?: string;
}

/** Where the IPVS table is persisted, in `ipvsadm-save -n` format: read here, written by the director roles. */
export const IPVS_RULES_FILE = '/etc/sysconfig/ipvsadm';

const NO_MODULE = '@@no-ip_vs';
const PERSISTED = '@@persisted';
const AS_DESIRED = '@@as-desired';
const LIVE_AS_DESIRED = '@@live-as-desired';
const THRESHOLDS = '@@thresholds';
/** Set by the facts script when the rules file hashes as the one wanted. */
const RULES_AS_DESIRED = 'lvsplay_ipvs_rules_as_desired';
const SAVE = 'ipvsadm-save -n';
/** A shell variable of the facts script, named so that no other fact's could clash with it. */
const SAVED = 'lvsplay_ipvs_saved';

/**
 * The live table and the rules file the last run persisted. `rulesSha256` is the hash of the rules file this
 * run writes for `table` (renderIpvsRules), which is byte for byte what `ipvsadm-save -n` prints once that
 * table is live.
 *
 * When the live table already prints as that file (a steady-state run), the host sends only a mark and the
 * table is taken to be the desired one: no delta, nothing touched.
 *
 * Real servers' thresholds (`-x`/`-y`), which `ipvsadm-save` does not print, are not listed here: listing
 * them asks the kernel once per service again (0.84 s on a 2,000-service director, as much as the table
 * itself), and only the real servers a delta edits need them, since an `-e` would clear them. The apply
 * step looks those up first (`thresholdsGuard`), for a fraction of it.
 *
 * The rules file's services are not sent back either when it already hashes to the one wanted: they are then
 * the desired ones.
 */
export function ipvsFact(desired: IpvsDesired): Fact<IpvsFacts> {
  // Only its services' lines (which services it names is all the plan needs; real servers are 90% of the file)
  // and the real servers with thresholds (lvsplay's own), gzipped, and nothing at all when there is no file.
  const send = `if [ -f ${IPVS_RULES_FILE} ]; then grep -e '^-A ' -e '^-a .* -[xy] ' ${IPVS_RULES_FILE} | gzip -1 | base64; fi`;
  const persisted = desired.rulesSha256
    ? `${RULES_AS_DESIRED}=; if [ "$(sha256sum < ${IPVS_RULES_FILE} 2>/dev/null)" = '${desired.rulesSha256}  -' ]; then echo ${AS_DESIRED}; ${RULES_AS_DESIRED}=1; else ${send}; fi`
    : `${RULES_AS_DESIRED}=; ${send}`;
  const thresholds = thresholdsListCommand(desired.table, IPVS_RULES_FILE, RULES_AS_DESIRED);
  return {
    name: 'ipvs',
    command: [liveCommand(desired.saveSha256 ?? desired.rulesSha256), `echo ${PERSISTED}`, persisted, `echo ${THRESHOLDS}`, ...thresholds].join('\n'),
    parse: (output) => parseIpvsFacts(unpackIpvsOutput(output), desired.table),
  };
}

/**
 * The live table (gzipped: a 2,000-service table is 1.1 MB as text, 67 kB gzipped, 0.04 s of gzip on a small
 * VM), or only a mark when it prints as the rules file hashing to `rulesSha256`. ipvsadm is not run at all
 * without ip_vs, as it would load it.
 */
function liveCommand(rulesSha256: string | undefined): string {
  const listed = rulesSha256
    ? [
        // A failure's mark is part of the text kept, so it never hashes as the file and is reported as before.
        ...captured(SAVED, reportingFailure(SAVE)),
        `if ${hashesTo(SAVED, rulesSha256)}; then echo ${LIVE_AS_DESIRED}`,
        `else printf %s "$${SAVED}" | gzip -1 | base64; fi`,
      ]
    : [`${reportingFailure(SAVE)} | gzip -1 | base64`];
  return ['if [ -e /proc/net/ip_vs ]; then', ...listed, `else echo ${NO_MODULE}; fi`].join('\n');
}

/**
 * The fact's output with its parts decoded again: `ipvsadm-save -n` as printed (or `@@no-ip_vs` or
 * `@@live-as-desired`), then `@@persisted` and the rules file.
 */
export function unpackIpvsOutput(output: string): string {
  const [head, listing] = splitAt(output, THRESHOLDS);
  const tail = listing === undefined ? '' : `${THRESHOLDS}\n${listing}`;
  const [packed, persisted = ''] = splitAt(head, PERSISTED);
  const rules = persisted.trim() === AS_DESIRED || persisted.trim() === '' ? persisted : gunzipBase64('ipvs', persisted, 'the persisted rules file');
  if (packed.trim() === NO_MODULE || packed.trim() === LIVE_AS_DESIRED) return `${packed}${PERSISTED}\n${rules}${tail}`;
  const save = succeeded('ipvs', SAVE, gunzipBase64('ipvs', packed, 'the live table'));
  return `${save}${PERSISTED}\n${rules}${tail}`;
}

/**
 * `ipvsadm-save -n` as printed (or `@@no-ip_vs`, or `@@live-as-desired`), then a `@@persisted` line and the
 * rules file (or `@@as-desired`), then, optionally, a `@@thresholds` line and the thresholds listed.
 *
 * A real server's thresholds are lvsplay's when the inventory declares one or the rules file it wrote last has
 * one: only those are compared (and so set or cleared by the delta); others stay unknown, as in ipvsadm-save.
 */
export function parseIpvsFacts(output: string, desired: IpvsTable = []): IpvsFacts {
  const [head, listingText] = splitAt(output, THRESHOLDS);
  const [liveText, persistedText = ''] = splitAt(head, PERSISTED);
  const persistedTable = persistedText.trim() === AS_DESIRED ? desired : parseIpvsSave(persistedText).table;
  const persisted = new Set(persistedTable.map(serviceKey));
  if (liveText.trim() === NO_MODULE) return { moduleLoaded: false, live: [], foreign: new Map(), persisted, liveIsRulesFile: false };
  const listing: ThresholdListing = listingText === undefined ? new Map() : parseThresholdListing(listingText);
  const managed = new Set([...thresholdKeys(desired), ...thresholdKeys(persistedTable)]);
  if (liveText.trim() === LIVE_AS_DESIRED) {
    // No threshold to compare (the usual case, and a big director's): spare the comparison.
    if (listing.size === 0) return { moduleLoaded: true, live: desired, foreign: new Map(), persisted, liveIsRulesFile: true };
    const live = withThresholds(desired, listing, managed);
    return { moduleLoaded: true, live, foreign: new Map(), persisted, liveIsRulesFile: sameTable(live, desired) };
  }
  const save = parseIpvsSave(liveText);
  return { moduleLoaded: true, live: withThresholds(save.table, listing, managed), foreign: save.foreign, persisted, liveIsRulesFile: false };
}

/** The text before `mark` and a newline, and the text after, or undefined after when the mark is missing. */
function splitAt(text: string, mark: string): [string, string | undefined] {
  const at = text.indexOf(`${mark}\n`);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + mark.length + 1)];
}
