import { IpvsParseError, parseIpvsSave } from '../ipvs/parse.ts';
import { serviceKey } from '../ipvs/table.ts';
import { FactError } from './fact.ts';
import { IPVS_RULES_FILE } from './ipvs.ts';
import { COUNTER_COMMANDS, parseIpvsCounters, type CounterListing, type CounterTable } from './ipvs-counters.ts';
import { parseLiveIpvs, PROC_IP_VS, type LiveService } from './ipvs-live.ts';
import { reportingFailure, succeeded } from './packed.ts';
import { parseTcpChecks, tcpCheckCommand, type TcpChecks, type TcpTarget } from './tcp-check.ts';
import { parseVrrp, vrrpCommands, type VrrpReading } from './vrrp.ts';

/** What `lvsplay status` reads from a director in its one round trip. */
export interface DirectorReading {
  readonly ipvsadmInstalled: boolean;
  /** The live table, or undefined when ip_vs is not loaded (nothing was run that would load it). */
  readonly live: readonly LiveService[] | undefined;
  /** The services of the rules file lvsplay last wrote there: lvsplay's own, even once gone from the inventory. */
  readonly owned: ReadonlySet<string>;
  readonly counters: Counters;
  readonly tcp: TcpChecks;
  /** Whether keepalived runs, and the addresses: asked of a director of a pair only, else absent. */
  readonly vrrp?: VrrpReading;
}

/** Totals and rates per service and real server, or why there are none. */
export type Counters = { readonly stats: CounterTable; readonly rate: CounterTable } | { readonly unavailable: string };

const MARK = '@@lvsplay-status';
const NO_MODULE = '@@no-ip_vs';
const SECTIONS = ['ipvsadm', 'ip_vs', 'rules', 'stats', 'rate', 'tcp', 'vrrp'] as const;
type Section = (typeof SECTIONS)[number];

/**
 * One script, read-only: whether ipvsadm is installed; /proc/net/ip_vs, and only when it exists (ip_vs
 * loaded) the two ipvsadm listings, since ipvsadm loads ip_vs itself when it is missing; the services of
 * the rules file; the TCP checks of `targets` and of the live real servers; with `vrrp` (a director of a
 * pair), whether keepalived runs and the addresses. Each part follows a mark line.
 */
export function directorStatusScript(targets: readonly TcpTarget[], options: { readonly vrrp: boolean } = { vrrp: false }): string {
  const section = (name: Section): string => `echo '${MARK} ${name}'`;
  const listing = (name: CounterListing): string[] => [section(name), reportingFailure(`${COUNTER_COMMANDS[name]} 2>&1`)];
  return [
    section('ipvsadm'),
    'if command -v ipvsadm >/dev/null 2>&1; then echo yes; else echo no; fi',
    section('ip_vs'),
    `if [ -e ${PROC_IP_VS} ]; then`,
    `cat ${PROC_IP_VS}`,
    'if command -v ipvsadm >/dev/null 2>&1; then',
    ...listing('stats'),
    ...listing('rate'),
    'fi',
    `else echo ${NO_MODULE}; fi`,
    section('rules'),
    `if [ -f ${IPVS_RULES_FILE} ]; then grep -e '^-A' ${IPVS_RULES_FILE} || true; fi`,
    section('tcp'),
    tcpCheckCommand(targets),
    ...(options.vrrp ? [section('vrrp'), ...vrrpCommands()] : []),
  ].join('\n');
}

export function parseDirectorStatus(output: string): DirectorReading {
  const sections = splitSections(output);
  const ipvsadm = sections.get('ipvsadm')?.trim();
  if (ipvsadm !== 'yes' && ipvsadm !== 'no') throw new FactError('status', `expected yes or no for ipvsadm, got '${ipvsadm ?? ''}'`);
  const procText = required(sections, 'ip_vs');
  const live = procText.trim() === NO_MODULE ? undefined : parseLiveIpvs(procText);
  return {
    ipvsadmInstalled: ipvsadm === 'yes',
    live,
    owned: ownedServices(required(sections, 'rules')),
    counters: countersOf(sections, live !== undefined, ipvsadm === 'yes'),
    tcp: parseTcpChecks(required(sections, 'tcp')),
    ...(sections.has('vrrp') && { vrrp: parseVrrp(sections.get('vrrp')!) }),
  };
}

/** The services of the rules file (its `-A` lines): a file edited by hand into nonsense is named as such. */
function ownedServices(rules: string): Set<string> {
  try {
    return new Set(parseIpvsSave(rules).table.map(serviceKey));
  } catch (error) {
    if (error instanceof IpvsParseError) throw new FactError('status', `${IPVS_RULES_FILE}: ${error.message}`);
    throw error;
  }
}

function countersOf(sections: ReadonlyMap<Section, string>, loaded: boolean, installed: boolean): Counters {
  if (!loaded) return { unavailable: 'IPVS not loaded' };
  if (!installed) return { unavailable: 'ipvsadm not installed' };
  const read = (name: CounterListing): CounterTable | string => {
    const text = required(sections, name);
    try {
      succeeded('status', COUNTER_COMMANDS[name], text);
    } catch (error) {
      return (error as Error).message.replace(/^fact status: /, '');
    }
    return parseIpvsCounters(name, text);
  };
  const stats = read('stats');
  const rate = read('rate');
  if (typeof stats === 'string') return { unavailable: stats };
  if (typeof rate === 'string') return { unavailable: rate };
  return { stats, rate };
}

function splitSections(output: string): Map<Section, string> {
  const sections = new Map<Section, string>();
  const parts = output.split(new RegExp(`^${MARK} (\\S+)\\n`, 'm'));
  if (parts[0] !== '') throw new FactError('status', `unexpected output before the first part: '${parts[0]!.split('\n')[0]}'`);
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    if (!(SECTIONS as readonly string[]).includes(name)) throw new FactError('status', `unknown part '${name}'`);
    if (sections.has(name as Section)) throw new FactError('status', `part '${name}' came twice`);
    sections.set(name as Section, parts[i + 1] ?? '');
  }
  return sections;
}

function required(sections: ReadonlyMap<Section, string>, name: Section): string {
  const text = sections.get(name);
  if (text === undefined) throw new FactError('status', `the output has no '${name}' part: the script stopped early`);
  return text;
}
