// Records real command outputs from a lab director into test/fixtures/facts/, for the fact
// parsers' tests. Run by hand when the image changes:
//   node --import jiti/register test/lab/record-facts.ts
// The order matters: the first ipvsadm call must happen on a fresh boot, before anything
// has loaded ip_vs, to record what an unprepared host answers.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { directorStatusScript } from '../../src/facts/director-status.ts';
import { filesFact } from '../../src/facts/files.ts';
import { COUNTER_COMMANDS } from '../../src/facts/ipvs-counters.ts';
import { ipvsTimeoutsFact } from '../../src/facts/ipvs-timeouts.ts';
import { linksFact } from '../../src/facts/links.ts';
import { sysctlFact } from '../../src/facts/sysctl.ts';
import type { IpvsServiceId } from '../../src/ipvs/table.ts';
import { thresholdsListLine } from '../../src/ipvs/thresholds.ts';
import { nftTableFact } from '../../src/facts/nft-table.ts';
import type { Fwmark, Port } from '../../src/inventory/model.ts';
import type { IPv4 } from '../../src/net/ipv4.ts';
import { MARK_TABLE, renderMarkTableFile, type MarkRule } from '../../src/nft/mark-table.ts';
import { startLab } from './lab.ts';
import type { RunResult } from './proc.ts';

const FACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'facts');

const SERVICES = [
  // DR, round robin, one real server with weight 3.
  '-A -t 192.168.10.100:80 -s rr',
  '-a -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 1',
  '-a -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 3',
  // NAT, weighted round robin with persistence.
  '-A -t 172.16.10.81:443 -s wrr -p 300',
  '-a -t 172.16.10.81:443 -r 192.168.10.71:443 -m -w 1',
  '-a -t 172.16.10.81:443 -r 192.168.10.72:443 -m -w 2',
  // UDP, weighted least connection, one real server drained to weight 0.
  '-A -u 192.168.10.100:53 -s wlc',
  '-a -u 192.168.10.100:53 -r 192.168.10.71:53 -g -w 1',
  '-a -u 192.168.10.100:53 -r 192.168.10.72:53 -g -w 0',
];

/** Services lvsplay never writes, for what /proc/net/ip_vs shows of them (proc-net-ip_vs.txt). */
const PROC_EXTRA_SERVICES = [
  '-A -t 10.9.9.1:8080 -s sh -b sh-port -p 60 -M 255.255.255.0',
  '-a -t 10.9.9.1:8080 -r 192.168.10.73:8080 -i -w 5',
  '-A -f 7 -s rr',
  '-a -f 7 -r 192.168.10.74:0 -g -w 1',
  '-A -u 10.9.9.2:53 -s rr -o',
];

/**
 * Thresholds on one real server of the table loaded for proc-net-ip_vs.txt, for ipvsadm-save-n-thresholds.txt
 * (which should not show them) and ipvsadm-Ln-thresholds.txt (which does).
 */
const THRESHOLD_EDIT = '-e -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 1 -x 100 -y 50';
/**
 * What lvsplay's threshold guard (src/ipvs/thresholds.ts) feeds `ipvsadm -R` before it edits real servers: a
 * `-L` line per service, here the one with the threshold, one without, and one that does not exist.
 */
const GUARD_LISTED = [
  { protocol: 'tcp', vip: '192.168.10.100', port: 80 },
  { protocol: 'tcp', vip: '172.16.10.81', port: 443 },
  { protocol: 'tcp', vip: '10.9.9.99', port: 80 },
] as const;
/** The services of the options table whose thresholds lvsplay lists, as its facts do. */
const OPTIONS_LISTED = [
  { protocol: 'sctp', vip: '10.9.9.22', port: 3868 },
  { protocol: 'tcp', vip: '10.9.9.21', port: 80 },
  { protocol: 'udp', vip: '10.9.9.20', port: 5060 },
] as const;
/** What lvsplay's own -e of that real server is: forwarding and weight only. */
const WEIGHT_EDIT = '-e -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 2';

/** Two -R inputs with one failing line in the middle of good ones. */
const RESTORE_CASES = {
  'add-to-missing-service': [
    '-A -t 10.9.9.1:80 -s rr',
    '-a -t 10.9.9.1:80 -r 192.168.10.71:80 -g',
    '-a -t 10.9.9.99:80 -r 192.168.10.72:80 -g',
    '-A -t 10.9.9.2:80 -s rr',
    '-a -t 10.9.9.2:80 -r 192.168.10.72:80 -g',
  ],
  'add-existing-service': ['-A -t 10.9.9.1:80 -s rr', '-a -t 10.9.9.1:80 -r 192.168.10.71:80 -g', '-A -t 10.9.9.1:80 -s wrr', '-A -t 10.9.9.2:80 -s rr', '-a -t 10.9.9.2:80 -r 192.168.10.72:80 -g'],
  // Does the exit code follow the last line, or any failure?
  'fails-on-last-line': ['-A -t 10.9.9.1:80 -s rr', '-a -t 10.9.9.1:80 -r 192.168.10.71:80 -g', '-A -t 10.9.9.1:80 -s wrr'],
  // A line ipvsadm cannot even parse, rather than one the kernel refuses.
  'bad-option-in-middle': ['-A -t 10.9.9.1:80 -s rr', '-a -t 10.9.9.1:80 -r 192.168.10.71:80 --bogus', '-A -t 10.9.9.2:80 -s rr'],
  'edit-and-delete-missing': ['-A -t 10.9.9.1:80 -s rr', '-e -t 10.9.9.1:80 -r 192.168.10.79:80 -g -w 2', '-d -t 10.9.9.1:80 -r 192.168.10.78:80', '-D -t 10.9.9.77:80', '-A -t 10.9.9.2:80 -s rr'],
};

/**
 * Service options (issue 14): each command run on its own on an empty table, in this order, for what
 * ipvsadm and the kernel accept and refuse (`ipvsadm-options.json`); the services accepted then make the
 * table of `ipvsadm-save-n-options.txt`, `proc-net-ip_vs-options.txt` and `ipvsadm-R-list-thresholds-options.txt`.
 */
export const OPTION_CASES = [
  // Refusals lvsplay's validation repeats, each on a service of its own.
  '-A -t 10.9.9.10:80 -s wrr -M 255.255.255.0',
  '-A -t 10.9.9.11:80 -s wrr -b sh-port',
  '-A -t 10.9.9.12:80 -s sh -b mh-port',
  '-A -t 10.9.9.13:80 -s mh -b sh-fallback',
  '-A -t 10.9.9.14:80 -s rr -o',
  '-A --sctp-service 10.9.9.15:3868 -s rr -o',
  '-A -t 10.9.9.16:5060 -s rr --pe sip',
  '-A -u 10.9.9.17:5060 -s rr --pe sip',
  '-A -t 10.9.9.18:5060 -s rr -p 60 --pe sip',
  '-A -t 10.9.9.19:80 -s rr -p 60 -M 255.0.255.0',
  // Every service option at once, on UDP: the order ipvsadm-save prints them in.
  '-A -u 10.9.9.20:5060 -s sh -b sh-port,sh-fallback -o -p 120 -M 255.255.0.0 --pe sip',
  '-A -t 10.9.9.21:80 -s mh -b mh-port,mh-fallback -p 30 -M 255.255.255.128',
  '-A --sctp-service 10.9.9.22:3868 -s wlc',
  // Thresholds: accepted, lower above upper, lower without upper.
  '-a --sctp-service 10.9.9.22:3868 -r 192.168.10.71:3868 -g -w 1 -x 10 -y 5',
  '-a -t 10.9.9.21:80 -r 192.168.10.71:80 -g -w 1 -x 5 -y 10',
  '-a -t 10.9.9.21:80 -r 192.168.10.71:80 -g -w 1 -y 3',
  '-a -t 10.9.9.21:80 -r 192.168.10.72:80 -g -w 2 -x 3',
  '-a -u 10.9.9.20:5060 -r 192.168.10.71:5060 -g -w 1 -x 2147483647 -y 1',
  '-a -u 10.9.9.20:5060 -r 192.168.10.72:5060 -g -w 1 -x 2147483648',
];

/** A rules file with thresholds on `-a` lines, as lvsplay persists it: does `ipvsadm -R` (the boot unit) restore them? */
export const RESTORED_THRESHOLDS = ['-A -t 10.9.9.30:80 -s fo', '-a -t 10.9.9.30:80 -r 192.168.10.71:80 -g -w 2 -x 1 -y 1', '-a -t 10.9.9.30:80 -r 192.168.10.72:80 -g -w 1'];

/** The TCP real servers the status script is told of (the inventory's, for lvsplay): the DR and NAT ones above. */
const STATUS_TCP_TARGETS = [
  { address: '192.168.10.71', port: 80 },
  { address: '192.168.10.72', port: 80 },
  { address: '192.168.10.71', port: 443 },
  { address: '192.168.10.72', port: 443 },
];

/** The IPVS sysctls an inventory's `ipvs` block may set (src/inventory/ipvs-tuning.ts), for sysctl-ipvs.txt. */
const IPVS_SYSCTLS = ['conn_reuse_mode', 'expire_nodest_conn', 'expire_quiescent_template', 'sloppy_tcp', 'schedule_icmp'].map((name) => `net.ipv4.vs.${name}`);
/** The largest timeout the inventory takes (INT_MAX / 1000: the kernel keeps jiffies in an int, at HZ up to 1000). */
const TIMEOUT_MAX_SET = 'ipvsadm --set 2147483 0 0';

/**
 * Firewall-mark services (issue 14): each command on its own, in this order, for what ipvsadm and the kernel
 * accept and refuse (`ipvsadm-fwmark.json`); the accepted ones make the table of `ipvsadm-save-n-fwmark.txt`,
 * `ipvsadm-Ln-fwmark.txt` and `proc-net-ip_vs-fwmark.txt`.
 */
export const FWMARK_CASES = [
  // The mark's bounds: 0 is no mark, and it is 32 bits.
  '-A -f 0 -s rr',
  '-A -f 4294967296 -s rr',
  // DR with persistence, real servers without a port (ipvsadm gives them the service's, 0); NAT, one with a port.
  '-A -f 1 -s rr -p 300',
  '-a -f 1 -r 192.168.10.71 -g -w 1',
  '-a -f 1 -r 192.168.10.72 -g -w 2',
  '-A -f 4294967295 -s wlc',
  '-a -f 4294967295 -r 192.168.10.71 -m -w 1',
  '-a -f 4294967295 -r 192.168.10.72:8080 -m -w 1',
  // A mark twice.
  '-A -f 1 -s wrr',
];

/** lvsplay's marking rules for `nft-list-table.txt`: two ports of one VIP, and the largest mark on one port. */
const MARK_RULES: readonly MarkRule[] = [
  { vip: '192.168.10.100' as IPv4, protocol: 'tcp', ports: [443 as Port, 80 as Port], mark: 1 as Fwmark },
  { vip: '192.168.10.101' as IPv4, protocol: 'udp', ports: [53 as Port], mark: 4294967295 as Fwmark },
];

export const FILES_FACT_PATHS = ['/etc/hostname', '/etc/shadow', '/nonexistent', '/etc/ssh/sshd_config'];

const lab = await startLab('dr');
try {
  await mkdir(FACTS, { recursive: true });
  const sh = async (command: string, input?: string): Promise<RunResult> => lab.ssh('lvs', command, input === undefined ? {} : { input });
  const record = async (file: string, command: string) => {
    const result = await sh(command);
    await writeFile(join(FACTS, file), result.stdout);
    console.log(`${file}: exit ${result.code}${result.stderr ? `, stderr: ${result.stderr.trim()}` : ''}`);
    return result;
  };
  /** A fact's own script, run as the facts script runs it (`sh -s`). */
  const recordScript = async (file: string, script: string) => {
    const result = await sh('sh -s', script);
    await writeFile(join(FACTS, file), result.stdout);
    console.log(`${file}: exit ${result.code}${result.stderr ? `, stderr: ${result.stderr.trim()}` : ''}`);
  };

  // The image has no ipvsadm (lvsplay installs it, test/lab/README.md): from the lab's package repository, as
  // lvsplay would. Installing it loads nothing: ipVsLoadedBefore below says so.
  const install = await sh('command -v ipvsadm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ipvsadm; }');
  if (install.code !== 0) throw new Error(`installing ipvsadm failed: ${install.stderr}`);

  // Fresh boot, module not loaded yet. The timeouts fact first: ipVsLoadedBefore below then proves it did not load ip_vs.
  await recordScript('ipvs-timeouts-fact-no-module.txt', ipvsTimeoutsFact.command);
  const lsmodBefore = await sh('lsmod | grep -c "^ip_vs " || true');
  const noModule = await sh('ipvsadm-save -n');
  const lsmodAfter = await sh('lsmod | grep "^ip_vs" || true');
  await writeFile(
    join(FACTS, 'ipvsadm-save-n-no-module.json'),
    `${JSON.stringify(
      {
        command: 'ipvsadm-save -n',
        note: 'first ipvsadm call after boot, before modprobe ip_vs',
        ipVsLoadedBefore: lsmodBefore.stdout.trim() !== '0',
        stdout: noModule.stdout,
        stderr: noModule.stderr,
        code: noModule.code,
        lsmodAfter: lsmodAfter.stdout,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`no module: exit ${noModule.code}, stderr ${JSON.stringify(noModule.stderr)}, lsmod after: ${JSON.stringify(lsmodAfter.stdout)}`);

  await sh('modprobe ip_vs');
  await record('ipvsadm-save-n-empty.txt', 'ipvsadm-save -n');
  // The connection timeouts as ip_vs starts them, through the fact's own script, then set (0: left as it is).
  await record('ipvsadm-L-timeout.txt', 'ipvsadm -L --timeout');
  await recordScript('sysctl-ipvs.txt', sysctlFact(IPVS_SYSCTLS).command);
  await recordScript('ipvs-timeouts-fact.txt', ipvsTimeoutsFact.command);
  const set = await sh('ipvsadm --set 3600 0 600');
  if (set.code !== 0) throw new Error(`ipvsadm --set failed: ${set.stderr}`);
  await record('ipvsadm-L-timeout-set.txt', 'ipvsadm -L --timeout');
  const max = await sh(TIMEOUT_MAX_SET);
  if (max.code !== 0) throw new Error(`${TIMEOUT_MAX_SET} failed: ${max.stderr}`);
  await record('ipvsadm-L-timeout-max.txt', 'ipvsadm -L --timeout');
  const beyond = await sh('ipvsadm --set 0 0 2147483648');
  console.log(`ipvsadm --set 0 0 2147483648: exit ${beyond.code}, stderr ${JSON.stringify(beyond.stderr)}`);
  await sh('ipvsadm --set 900 120 300');
  const load = await sh('ipvsadm -R', `${SERVICES.join('\n')}\n`);
  if (load.code !== 0) throw new Error(`loading services failed: ${load.stderr}`);
  await record('ipvsadm-save-n.txt', 'ipvsadm-save -n');
  await record('ipvsadm-Ln.txt', 'ipvsadm -Ln');

  const restore: Record<string, unknown> = {};
  for (const [name, lines] of Object.entries(RESTORE_CASES)) {
    await sh('ipvsadm -C');
    const result = await sh('ipvsadm -R', `${lines.join('\n')}\n`);
    const table = await sh('ipvsadm-save -n');
    restore[name] = { input: lines, stdout: result.stdout, stderr: result.stderr, code: result.code, tableAfter: table.stdout };
    console.log(`ipvsadm -R ${name}: exit ${result.code}, stderr ${JSON.stringify(result.stderr)}\n${table.stdout}`);
  }
  await writeFile(join(FACTS, 'ipvsadm-R-errors.json'), `${JSON.stringify(restore, null, 2)}\n`);
  await sh('ipvsadm -C');

  const proc = await sh('ipvsadm -R', `${[...SERVICES, ...PROC_EXTRA_SERVICES].join('\n')}\n`);
  if (proc.code !== 0) throw new Error(`loading services failed: ${proc.stderr}`);
  await record('proc-net-ip_vs.txt', 'cat /proc/net/ip_vs');
  // lvsplay status on the same table: both counter listings, and its whole script (TCP checks included).
  await record('ipvsadm-Ln-stats-exact.txt', COUNTER_COMMANDS.stats);
  await record('ipvsadm-Ln-rate-exact.txt', COUNTER_COMMANDS.rate);
  const status = await sh('sh -s', directorStatusScript(STATUS_TCP_TARGETS));
  await writeFile(join(FACTS, 'status-script.txt'), status.stdout);
  console.log(`status-script.txt: exit ${status.code}${status.stderr ? `, stderr: ${status.stderr.trim()}` : ''}`);
  const thresholds = await sh(`ipvsadm ${THRESHOLD_EDIT}`);
  if (thresholds.code !== 0) throw new Error(`setting thresholds failed: ${thresholds.stderr}`);
  const withThresholds = await record('ipvsadm-save-n-thresholds.txt', 'ipvsadm-save -n');
  await record('ipvsadm-Ln-thresholds.txt', 'ipvsadm -Ln --thresholds');
  const guard = await sh('ipvsadm -R 2>&1', `${GUARD_LISTED.map((s) => thresholdsListLine(s as IpvsServiceId)).join('\n')}\n`);
  await writeFile(join(FACTS, 'ipvsadm-R-list-thresholds.txt'), guard.stdout);
  console.log(`ipvsadm-R-list-thresholds.txt: exit ${guard.code}`);
  const plain = await sh('ipvsadm -C; ipvsadm -R; ipvsadm-save -n', `${[...SERVICES, ...PROC_EXTRA_SERVICES].join('\n')}\n`);
  console.log(`ipvsadm-save -n with thresholds set is ${withThresholds.stdout === plain.stdout ? '' : 'NOT '}the same as without them`);
  // Does an -e without -x/-y (what lvsplay writes) clear them? For the README's findings.
  await sh(`ipvsadm ${THRESHOLD_EDIT}`);
  await sh(`ipvsadm ${WEIGHT_EDIT}`);
  const afterEdit = await sh('ipvsadm -Ln --thresholds -t 192.168.10.100:80');
  console.log(`after ipvsadm ${WEIGHT_EDIT}:\n${afterEdit.stdout}`);
  await sh('ipvsadm -C');

  // Service options: what is refused, what is printed.
  const options: { command: string; stdout: string; stderr: string; code: number | null }[] = [];
  for (const command of OPTION_CASES) {
    const result = await sh(`ipvsadm ${command}`);
    options.push({ command: `ipvsadm ${command}`, stdout: result.stdout, stderr: result.stderr, code: result.code });
    console.log(`ipvsadm ${command}: exit ${result.code} ${JSON.stringify(result.stderr)}`);
  }
  const restoredInput = `${RESTORED_THRESHOLDS.join('\n')}\n`;
  const restored = await sh('ipvsadm -R; ipvsadm -Ln --thresholds -t 10.9.9.30:80', restoredInput);
  await writeFile(
    join(FACTS, 'ipvsadm-options.json'),
    `${JSON.stringify({ commands: options, restoreThresholds: { input: RESTORED_THRESHOLDS, stdout: restored.stdout, stderr: restored.stderr, code: restored.code } }, null, 2)}\n`,
  );
  await sh('ipvsadm -D -t 10.9.9.30:80');
  await record('ipvsadm-save-n-options.txt', 'ipvsadm-save -n');
  await record('proc-net-ip_vs-options.txt', 'cat /proc/net/ip_vs');
  await record('ipvsadm-Ln-thresholds-options.txt', 'ipvsadm -Ln --thresholds');
  const optionsListed = await sh('ipvsadm -R 2>&1', `${OPTIONS_LISTED.map((s) => thresholdsListLine(s as IpvsServiceId)).join('\n')}\n`);
  await writeFile(join(FACTS, 'ipvsadm-R-list-thresholds-options.txt'), optionsListed.stdout);
  console.log(`ipvsadm-R-list-thresholds-options.txt: exit ${optionsListed.code}`);
  const modules = await sh('lsmod | grep ^ip_vs | cut -d" " -f1 | sort');
  console.log(`ip_vs modules after the options:\n${modules.stdout}`);
  await sh('ipvsadm -C');

  // Firewall-mark services: what is refused, what is printed, and what lvsplay's threshold guard lists.
  const fwmarks: { command: string; stdout: string; stderr: string; code: number | null }[] = [];
  for (const command of FWMARK_CASES) {
    const result = await sh(`ipvsadm ${command}`);
    fwmarks.push({ command: `ipvsadm ${command}`, stdout: result.stdout, stderr: result.stderr, code: result.code });
    console.log(`ipvsadm ${command}: exit ${result.code} ${JSON.stringify(result.stderr)}`);
  }
  await writeFile(join(FACTS, 'ipvsadm-fwmark.json'), `${JSON.stringify({ commands: fwmarks }, null, 2)}\n`);
  await record('ipvsadm-save-n-fwmark.txt', 'ipvsadm-save -n');
  await record('ipvsadm-Ln-fwmark.txt', 'ipvsadm -Ln');
  await record('proc-net-ip_vs-fwmark.txt', 'cat /proc/net/ip_vs');
  const fwmarkListed = await sh('ipvsadm -R 2>&1', `${thresholdsListLine({ fwmark: 1 as Fwmark })}\n`);
  await writeFile(join(FACTS, 'ipvsadm-R-list-thresholds-fwmark.txt'), fwmarkListed.stdout);
  console.log(`ipvsadm-R-list-thresholds-fwmark.txt: exit ${fwmarkListed.code}`);
  await sh('ipvsadm -C');

  // The marking rules' table (nftables): the fact before nft is installed, before the table exists, and after.
  await recordScript('nft-table-fact-no-nft.txt', nftTableFact.command);
  const nft = await sh('command -v nft >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nftables');
  if (nft.code !== 0) throw new Error(`installing nftables failed: ${nft.stderr}`);
  await recordScript('nft-table-fact-absent.txt', nftTableFact.command);
  const file = renderMarkTableFile(MARK_RULES);
  const loads = [];
  // Twice: on a host without the table, and replacing it.
  for (const time of ['first', 'again']) {
    const load = await sh(`cat > /tmp/fwmark.nft && nft -f /tmp/fwmark.nft`, file);
    loads.push({ time, stdout: load.stdout, stderr: load.stderr, code: load.code });
    console.log(`nft -f (${time}): exit ${load.code} ${JSON.stringify(load.stderr)}`);
  }
  await record('nft-list-table.txt', `nft list table ${MARK_TABLE}`);
  await recordScript('nft-table-fact.txt', nftTableFact.command);
  const enabled = await sh('systemctl is-enabled nftables.service; nft --version; head -n 3 /etc/nftables.conf');
  await writeFile(join(FACTS, 'nft-load.json'), `${JSON.stringify({ file, loads, debianService: enabled.stdout }, null, 2)}\n`);
  console.log(`nftables.service after install: ${enabled.stdout}`);
  await sh(`nft delete table ${MARK_TABLE}; rm -f /tmp/fwmark.nft`);

  await record('sysctl.txt', 'sysctl net.ipv4.ip_forward net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_ignore net.ipv4.conf.lo.arp_announce');
  await sh('ip addr add 192.168.10.100/32 dev lo label lo:1');
  await record('ip-o-addr.txt', 'ip -o addr show');
  await record('ip-route-default.txt', 'ip route show default');
  await record('systemctl-show.txt', 'systemctl show -p Id,LoadState,ActiveState,UnitFileState ssh.service nonexistent.service');
  await record('os-release.txt', 'cat /etc/os-release');
  await record('sha256sum.txt', 'sha256sum /etc/hostname /nonexistent 2>&1');
  await record('systemctl-version.txt', 'systemctl --version | head -n 1');
  const files = await sh('sh -s', filesFact(FILES_FACT_PATHS).command);
  await writeFile(join(FACTS, 'files-fact.txt'), files.stdout);
  console.log(`files-fact.txt: exit ${files.code}${files.stderr ? `, stderr: ${files.stderr.trim()}` : ''}`);

  // A TUN real server (issue 14): tunl0 before ipip creates it, once it does (down), and up with a VIP.
  const links = linksFact(['tunl0', 'lo']);
  await recordScript('links-tunl0-missing.txt', links.command);
  await sh('modprobe ipip');
  await recordScript('links-tunl0-down.txt', links.command);
  await sh('ip link set dev tunl0 up && ip address replace 192.168.10.100/32 dev tunl0 label tunl0:1');
  await recordScript('links-tunl0-up.txt', links.command);
  await record('ip-o-4-addr-tunl0.txt', 'ip -o -4 address show');

  const versions = await sh('uname -r; ipvsadm --version; dpkg-query -W -f="\\${Version}\\n" ipvsadm systemd iproute2');
  console.log(`versions:\n${versions.stdout}`);
} finally {
  await lab.stop();
}
