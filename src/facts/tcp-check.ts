import { FactError } from './fact.ts';
import { PROC_IP_VS } from './ipvs-live.ts';

/**
 * Whether a real server accepts a TCP connection on its port, tried from the director: connected (and closed
 * at once, nothing sent), refused, no answer within the time, or another error as the kernel words it
 * (`Network is unreachable`, `No route to host`).
 */
export type TcpCheck = { readonly result: 'ok' } | { readonly result: 'refused' } | { readonly result: 'timeout'; readonly seconds: number } | { readonly result: 'error'; readonly reason: string };

/** By endpoint key, `192.168.10.71:80`; undefined when the director has no bash to try them with. */
export type TcpChecks = ReadonlyMap<string, TcpCheck> | undefined;

export interface TcpTarget {
  readonly address: string;
  readonly port: number;
}

/** Long enough for a SYN to be answered twice over on a LAN; short enough for a status screen. */
export const TCP_CHECK_SECONDS = 2;
/** Checks run at once, in batches: a director with many real servers waits batches × the time-out at most. */
const AT_ONCE = 32;
const NO_BASH = '@@no-bash';

/**
 * The checks, as shell: bash's /dev/tcp under `timeout`, because a Debian director always has bash and
 * coreutils (both essential) while nc, socat or curl may be missing; the connection is opened and closed
 * without a byte sent. The targets are `wanted` (the inventory's real servers) and every IPv4 real server of
 * a live TCP service (read from /proc/net/ip_vs on the host, so that extra ones are checked too).
 * Each prints `ADDRESS PORT EXIT LAST-LINE-OF-STDERR`.
 */
export function tcpCheckCommand(wanted: readonly TcpTarget[]): string {
  return [
    `if ! command -v bash >/dev/null 2>&1; then echo ${NO_BASH}; else`,
    'lvsplay_tcp_check() {',
    `  lvsplay_said=$(timeout ${TCP_CHECK_SECONDS} bash -c 'exec 3<>"/dev/tcp/$1/$2"' lvsplay "$1" "$2" 2>&1 >/dev/null)`,
    '  lvsplay_code=$?',
    `  printf '%s %s %s %s\\n' "$1" "$2" "$lvsplay_code" "$(printf '%s\\n' "$lvsplay_said" | tail -n 1)"`,
    '}',
    '{',
    ...(wanted.length > 0 ? [`cat <<'LVSPLAY_TARGETS'`, ...wanted.map((t) => `${t.address} ${t.port}`), 'LVSPLAY_TARGETS'] : []),
    `if [ -e ${PROC_IP_VS} ]; then awk '${LIVE_TCP_TARGETS}' ${PROC_IP_VS}; fi`,
    '} | sort -u | {',
    'lvsplay_running=0',
    'while read -r lvsplay_address lvsplay_port; do',
    '  lvsplay_tcp_check "$lvsplay_address" "$lvsplay_port" &',
    '  lvsplay_running=$((lvsplay_running + 1))',
    `  if [ "$lvsplay_running" -ge ${AT_ONCE} ]; then wait; lvsplay_running=0; fi`,
    'done',
    'wait',
    '}',
    'fi',
  ].join('\n');
}

// IPv4 real servers of IPv4 TCP services in /proc/net/ip_vs, as `192.168.10.71 80` (mawk has no strtonum).
const LIVE_TCP_TARGETS = [
  'function hex(s,  i, n) { n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1; return n }',
  '/^TCP / { tcp = ($2 !~ /^\\[/); next }',
  '/^[A-Z]/ { tcp = 0; next }',
  'tcp && $1 == "->" && $2 !~ /^\\[/ { split($2, e, ":"); a = e[1]; printf "%d.%d.%d.%d %d\\n", hex(substr(a, 1, 2)), hex(substr(a, 3, 2)), hex(substr(a, 5, 2)), hex(substr(a, 7, 2)), hex(e[2]) }',
].join('\n');

const LINE = /^(\S+) (\d+) (\d+) ?(.*)$/;

/** The checks' lines; a line of any other shape is an error naming it. */
export function parseTcpChecks(output: string): TcpChecks {
  if (output.trim() === NO_BASH) return undefined;
  const checks = new Map<string, TcpCheck>();
  for (const line of output.split('\n')) {
    if (line === '') continue;
    const match = LINE.exec(line);
    if (!match) throw new FactError('tcp-check', `unexpected line '${line}'`);
    const [, address, port, code, said] = match;
    checks.set(`${address}:${port}`, checkOf(Number(code), said!));
  }
  return checks;
}

/** bash says `lvsplay: line 1: /dev/tcp/192.168.10.71/80: Connection refused`: the words after the last `: `. */
function checkOf(code: number, said: string): TcpCheck {
  if (code === 0) return { result: 'ok' };
  // timeout's own status when the time ran out.
  if (code === 124) return { result: 'timeout', seconds: TCP_CHECK_SECONDS };
  const reason = said.slice(said.lastIndexOf(': ') + 2).trim() || `exit ${code}`;
  return reason === 'Connection refused' ? { result: 'refused' } : { result: 'error', reason };
}
