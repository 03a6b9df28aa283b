import { parseIpvsSave } from '../ipvs/parse.ts';
import { serviceKey, type IpvsTable } from '../ipvs/table.ts';
import { IPVS_RULES_FILE } from '../../roles/parts/ipvs.ts';
import { FactError, type Fact } from './fact.ts';
import { ipvsThresholdsFact } from './ipvs-thresholds.ts';
import { gunzipBase64, reportingFailure, succeeded } from './packed.ts';

export interface IpvsFacts {
  /** False until ip_vs is loaded; the table is then empty, and reading it must not load the module. */
  readonly moduleLoaded: boolean;
  /** The live services lvsplay can represent and may change. */
  readonly live: IpvsTable;
  /**
   * Live services it cannot represent (fwmark, IPv6, -M, thresholds, …), by key, each with why
   * (`-M 255.255.255.0`): never edited or deleted.
   */
  readonly foreign: ReadonlyMap<string, string>;
  /** What the last run persisted: the services lvsplay owns, besides the desired ones. */
  readonly persisted: IpvsTable;
}

const NO_MODULE = '@@no-ip_vs';
const THRESHOLDS = '@@thresholds';
const PERSISTED = '@@persisted';
const AS_DESIRED = '@@as-desired';
const SAVE = 'ipvsadm-save -n';

/**
 * The live table with its real servers' thresholds, and the rules file the last run persisted. When that file
 * already hashes to the one this run wants, it is not sent back (on a 2,000-service director it is half the
 * facts' bytes): the persisted services are then the desired ones.
 */
export function ipvsFact(desired: { readonly table: IpvsTable; readonly rulesSha256?: string }): Fact<IpvsFacts> {
  // Gzipped too when sent (1.2 MB of text for 2,000 services), and nothing at all when there is no file.
  const send = `if [ -f ${IPVS_RULES_FILE} ]; then gzip -1c ${IPVS_RULES_FILE} | base64; fi`;
  const persisted = desired.rulesSha256
    ? `if [ "$(sha256sum < ${IPVS_RULES_FILE} 2>/dev/null)" = '${desired.rulesSha256}  -' ]; then echo ${AS_DESIRED}; else ${send}; fi`
    : send;
  // The live table travels gzipped (a 2,000-service table: 1.1 MB as text, 67 kB gzipped, 0.04 s of gzip on
  // a small VM), its thresholds in the same stream; ipvsadm is not run at all without ip_vs, as it would load it.
  const live = [
    'if [ -e /proc/net/ip_vs ]; then',
    `{ ${reportingFailure(SAVE)}; echo ${THRESHOLDS}; ${reportingFailure(ipvsThresholdsFact.command)}; } | gzip -1 | base64`,
    `else echo ${NO_MODULE}; fi`,
  ].join('\n');
  return {
    name: 'ipvs',
    command: [live, `echo ${PERSISTED}`, persisted].join('\n'),
    parse: (output) => parseIpvsFacts(unpackIpvsOutput(output), desired.table),
  };
}

/**
 * The fact's output with its parts decoded again: `ipvsadm-save -n` as printed, a `@@thresholds` line and
 * `ipvsadm -Ln --thresholds` as printed (or `@@no-ip_vs` for both), then `@@persisted` and the rules file.
 */
export function unpackIpvsOutput(output: string): string {
  const [packed, persisted = ''] = splitAt(output, PERSISTED);
  const rules = persisted.trim() === AS_DESIRED || persisted.trim() === '' ? persisted : gunzipBase64('ipvs', persisted, 'the persisted rules file');
  if (packed.trim() === NO_MODULE) return `${packed}${PERSISTED}\n${rules}`;
  const [save, thresholds] = splitAt(gunzipBase64('ipvs', packed, 'the live table'), THRESHOLDS);
  if (thresholds === undefined) throw new FactError('ipvs', 'the live table came without its thresholds');
  succeeded('ipvs', SAVE, save);
  succeeded('ipvs', ipvsThresholdsFact.command, thresholds);
  return `${save}${THRESHOLDS}\n${thresholds}${PERSISTED}\n${rules}`;
}

/**
 * `ipvsadm-save -n` as printed, optionally a `@@thresholds` line and `ipvsadm -Ln --thresholds` as printed,
 * then a `@@persisted` line and the rules file (or `@@as-desired`). A live service with a threshold is
 * foreign: lvsplay's `-e` would clear it.
 */
export function parseIpvsFacts(output: string, desired: IpvsTable = []): IpvsFacts {
  const [head, persistedText = ''] = splitAt(output, PERSISTED);
  const [liveText, thresholdsText = ''] = splitAt(head, THRESHOLDS);
  const persisted = persistedText.trim() === AS_DESIRED ? desired : parseIpvsSave(persistedText).table;
  if (liveText.trim() === NO_MODULE) return { moduleLoaded: false, live: [], foreign: new Map(), persisted };
  const save = parseIpvsSave(liveText);
  const thresholds = ipvsThresholdsFact.parse(thresholdsText);
  // A service foreign for a reason ipvsadm-save shows too is named for that one.
  const foreign = new Map(save.foreign);
  for (const [key, reason] of thresholds) if (!foreign.has(key)) foreign.set(key, reason);
  return { moduleLoaded: true, live: save.table.filter((service) => !foreign.has(serviceKey(service))), foreign, persisted };
}

/** The text before `mark` and a newline, and the text after, or undefined after when the mark is missing. */
function splitAt(text: string, mark: string): [string, string | undefined] {
  const at = text.indexOf(`${mark}\n`);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + mark.length + 1)];
}
