import { parseIpvsSave } from '../ipvs/parse.ts';
import type { IpvsTable } from '../ipvs/table.ts';
import { IPVS_RULES_FILE } from '../../roles/parts/ipvs.ts';
import type { Fact } from './fact.ts';

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

export const ipvsFact: Fact<IpvsFacts> = {
  name: 'ipvs',
  command: [
    `if [ -e /proc/net/ip_vs ]; then ipvsadm-save -n; else echo ${NO_MODULE}; fi`,
    `echo ${PERSISTED}`,
    `cat ${IPVS_RULES_FILE} 2>/dev/null || true`,
  ].join('\n'),
  parse: parseIpvsFacts,
};

export function parseIpvsFacts(output: string): IpvsFacts {
  const [liveText = '', persistedText = ''] = output.split(`${PERSISTED}\n`);
  const moduleLoaded = liveText.trim() !== NO_MODULE;
  const live = moduleLoaded ? parseIpvsSave(liveText) : { table: [], foreign: [] };
  return { moduleLoaded, live: live.table, foreign: live.foreign, persisted: parseIpvsSave(persistedText).table };
}
