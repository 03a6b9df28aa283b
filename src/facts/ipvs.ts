import { gunzipSync } from 'node:zlib';
import { parseIpvsSave } from '../ipvs/parse.ts';
import type { IpvsTable } from '../ipvs/table.ts';
import { IPVS_RULES_FILE } from '../../roles/parts/ipvs.ts';
import { FactError, type Fact } from './fact.ts';

export interface IpvsFacts {
  /** False until ip_vs is loaded; the table is then empty, and reading it must not load the module. */
  readonly moduleLoaded: boolean;
  readonly live: IpvsTable;
  /** Live services lvsplay cannot represent (fwmark, IPv6, …): never touched. */
  readonly foreign: readonly string[];
  /** What the last run persisted: the services lvsplay owns, besides the desired ones. */
  readonly persisted: IpvsTable;
}

const NO_MODULE = '@@no-ip_vs';
const PERSISTED = '@@persisted';
const AS_DESIRED = '@@as-desired';
const SAVE_FAILED = '@@ipvsadm-save-failed';

/**
 * The live table, and the rules file the last run persisted. When that file already hashes to the one
 * this run wants, it is not sent back (on a 2,000-service director it is half the facts' bytes): the
 * persisted services are then the desired ones.
 */
export function ipvsFact(desired: { readonly table: IpvsTable; readonly rulesSha256?: string }): Fact<IpvsFacts> {
  // Gzipped too when sent (1.2 MB of text for 2,000 services), and nothing at all when there is no file.
  const send = `if [ -f ${IPVS_RULES_FILE} ]; then gzip -1c ${IPVS_RULES_FILE} | base64; fi`;
  const persisted = desired.rulesSha256
    ? `if [ "$(sha256sum < ${IPVS_RULES_FILE} 2>/dev/null)" = '${desired.rulesSha256}  -' ]; then echo ${AS_DESIRED}; else ${send}; fi`
    : send;
  // The live table travels gzipped (a 2,000-service table: 1.1 MB as text, 67 kB gzipped, 0.04 s of gzip on
  // a small VM); a failing ipvsadm-save says so inside the stream rather than passing for an empty table.
  const live = `if [ -e /proc/net/ip_vs ]; then { ipvsadm-save -n || echo "${SAVE_FAILED} $?"; } | gzip -1 | base64; else echo ${NO_MODULE}; fi`;
  return {
    name: 'ipvs',
    command: [live, `echo ${PERSISTED}`, persisted].join('\n'),
    parse: (output) => parseIpvsFacts(unpackIpvsOutput(output), desired.table),
  };
}

/** The fact's output with both parts decoded again: `ipvsadm-save -n` as printed, then the rules file. */
export function unpackIpvsOutput(output: string): string {
  const at = output.indexOf(`${PERSISTED}\n`);
  const packed = at < 0 ? output : output.slice(0, at);
  const persisted = at < 0 ? '' : output.slice(at + PERSISTED.length + 1);
  const rules = persisted.trim() === AS_DESIRED || persisted.trim() === '' ? persisted : gunzip(persisted, 'the persisted rules file');
  if (packed.trim() === NO_MODULE) return `${packed}${PERSISTED}\n${rules}`;
  const live = gunzip(packed, 'the live table');
  const failed = new RegExp(`^${SAVE_FAILED} (\\d+)$`, 'm').exec(live);
  if (failed) throw new FactError('ipvs', `ipvsadm-save -n failed (exit ${failed[1]}): ${live.slice(0, failed.index).trim() || 'no output'}`);
  return `${live}${PERSISTED}\n${rules}`;
}

function gunzip(base64: string, what: string): string {
  try {
    return gunzipSync(Buffer.from(base64, 'base64')).toString('utf8');
  } catch (error) {
    throw new FactError('ipvs', `${what} did not arrive whole (${(error as Error).message})`);
  }
}

/** `ipvsadm-save -n` as printed, a `@@persisted` line, and the rules file (or `@@as-desired`). */
export function parseIpvsFacts(output: string, desired: IpvsTable = []): IpvsFacts {
  const [liveText = '', persistedText = ''] = output.split(`${PERSISTED}\n`);
  const moduleLoaded = liveText.trim() !== NO_MODULE;
  const live = moduleLoaded ? parseIpvsSave(liveText) : { table: [], foreign: [] };
  const persisted = persistedText.trim() === AS_DESIRED ? desired : parseIpvsSave(persistedText).table;
  return { moduleLoaded, live: live.table, foreign: live.foreign, persisted };
}
