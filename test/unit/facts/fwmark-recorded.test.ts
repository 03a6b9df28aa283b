// Firewall-mark services and lvsplay's nftables table on output recorded from the lab kernel by
// test/lab/record-facts.ts (issue 14).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nftTableFact, parseNftTable } from '../../../src/facts/nft-table.ts';
import { parseProcIpvs } from '../../../src/facts/ipvs-proc.ts';
import { parseThresholdListing } from '../../../src/facts/ipvs-thresholds.ts';
import type { Fwmark, Port } from '../../../src/inventory/model.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import type { IpvsChange } from '../../../src/ipvs/delta.ts';
import { parseIpvsSave } from '../../../src/ipvs/parse.ts';
import { renderIpvsRules } from '../../../src/ipvs/rules-file.ts';
import { inSaveOrder } from '../../../src/ipvs/save-order.ts';
import { serviceKey, type IpvsServiceId } from '../../../src/ipvs/table.ts';
import { THRESHOLDS_AWK, thresholdsGuard } from '../../../src/ipvs/thresholds.ts';
import { normalisedListing, renderMarkTable, renderMarkTableFile } from '../../../src/nft/mark-table.ts';
import { dest, svc } from '../ipvs/helpers.ts';

const recorded = (name: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/facts/${name}`, import.meta.url)), 'utf8');

/** The rules record-facts.ts loaded for nft-list-table.txt. */
const RULES = [
  { vip: '192.168.10.100' as IPv4, protocol: 'tcp' as const, ports: [443 as Port, 80 as Port] as [Port, ...Port[]], mark: 1 as Fwmark },
  { vip: '192.168.10.101' as IPv4, protocol: 'udp' as const, ports: [53 as Port] as [Port, ...Port[]], mark: 4294967295 as Fwmark },
];

describe('lvsplay’s nftables table, recorded', () => {
  it('renders the table exactly as nft list table prints it, so a steady-state run finds it equal', () => {
    assert.equal(renderMarkTable(RULES), recorded('nft-list-table.txt'));
    const fact = parseNftTable(recorded('nft-table-fact.txt'));
    assert.equal(fact.state, 'listed');
    assert.equal(fact.state === 'listed' && normalisedListing(fact.listing), normalisedListing(renderMarkTable(RULES)));
  });

  it('is the file nft -f loaded, twice (first on a host without the table, then replacing it), without a word', () => {
    const load = JSON.parse(recorded('nft-load.json')) as { file: string; loads: { code: number; stderr: string }[]; debianService: string };
    assert.equal(load.file, renderMarkTableFile(RULES));
    assert.deepEqual(
      load.loads.map((l) => [l.code, l.stderr]),
      [
        [0, ''],
        [0, ''],
      ],
    );
    // Debian's own nftables.service is not enabled by the package, and its file would flush every table.
    assert.match(load.debianService, /^disabled\n/);
    assert.match(load.debianService, /^flush ruleset$/m);
  });

  it('tells a missing table and a host without nft apart, and never takes a failure for either', () => {
    assert.deepEqual(parseNftTable(recorded('nft-table-fact-absent.txt')), { state: 'absent' });
    assert.deepEqual(parseNftTable(recorded('nft-table-fact-no-nft.txt')), { state: 'no-nft' });
    assert.throws(() => parseNftTable('Error: Could not process rule: Operation not permitted\n@@command-failed 1\n'), /nft list table ip lvsplay failed \(exit 1\)/);
    for (const shell of ['dash', 'bash']) execFileSync(shell, ['-n'], { input: nftTableFact.command });
  });
});

describe('firewall-mark services, recorded', () => {
  it('ipvsadm-save: reads -f services with real servers on port 0; one NAT real server with a port of its own is foreign', () => {
    const save = parseIpvsSave(recorded('ipvsadm-save-n-fwmark.txt'));
    assert.deepEqual(save.table, [svc('fwmark 1 rr 300', '192.168.10.71:0 route 1', '192.168.10.72:0 route 2')]);
    // 4294967295 comes out as -f -1 (printf %d), and is read back as the kernel's mark.
    assert.deepEqual([...save.foreign], [['fwmark 4294967295', 'real server 192.168.10.72:8080 of a firewall-mark service']]);
  });

  it('the rules file of a mark service is what ipvsadm-save prints for it, byte for byte', () => {
    const lines = recorded('ipvsadm-save-n-fwmark.txt')
      .split('\n')
      .filter((line) => / -f 1 /.test(`${line} `));
    assert.equal(renderIpvsRules([svc('fwmark 1 rr 300', '192.168.10.72:0 route 2', '192.168.10.71:0 route 1')]), `${lines.join('\n')}\n`);
  });

  it('sorts as ipvsadm does, by the marks’ difference as a C int: 4294967295 (-1) before 1, as recorded, and before a service without a mark (0)', () => {
    const marks = recorded('ipvsadm-save-n-fwmark.txt').match(/^-A -f \S+/gm);
    assert.deepEqual(marks, ['-A -f -1', '-A -f 1']);
    const order = inSaveOrder([svc('fwmark 1 rr'), svc('tcp 10.0.0.1:80 rr'), svc('fwmark 4294967295 wlc')]).map(serviceKey);
    assert.deepEqual(order, ['fwmark 4294967295', 'tcp 10.0.0.1:80', 'fwmark 1']);
  });

  it('/proc/net/ip_vs: FWM services by mark, for the read-back', () => {
    const table = parseProcIpvs(recorded('proc-net-ip_vs-fwmark.txt'))!;
    assert.deepEqual([...table.keys()], ['fwmark 1', 'fwmark 4294967295']);
    assert.deepEqual(Object.fromEntries(table.get('fwmark 1')!.destinations), { '192.168.10.72:0': { forwarding: 'route', weight: 2 }, '192.168.10.71:0': { forwarding: 'route', weight: 1 } });
    assert.equal(table.get('fwmark 1')!.persistent, true);
  });

  it('the threshold guard lists a mark service with -f and reads its FWM lines', () => {
    const service: IpvsServiceId = { fwmark: 1 as Fwmark };
    const edit: IpvsChange = { op: 'edit-destination', service, destination: dest('192.168.10.71:0 route 3'), before: dest('192.168.10.71:0 route 1') };
    const lines = thresholdsGuard([edit]);
    assert.ok(lines.includes('-L -n --thresholds -f 1'), lines.join('\n'));
    const edited = /-v edited='([^']*)'/.exec(lines.find((l) => l.startsWith('lvsplay_held='))!)![1]!;
    const awk = (listing: string) => execFileSync('awk', ['-v', `edited=${edited}`, THRESHOLDS_AWK], { input: listing, encoding: 'utf8' });
    const listing = recorded('ipvsadm-R-list-thresholds-fwmark.txt');
    assert.equal(awk(listing), '');
    // The same listing with a threshold on the edited real server (the recorded one has none).
    const held = listing.replace(/(-> 192\.168\.10\.71:0\s+)0 {10}0/, '$15          2');
    assert.match(awk(held), /^real server 192\.168\.10\.71:0 of fwmark 1 has a connection threshold set outside lvsplay \(-x 5 -y 2\)/);
  });

  it("the facts' threshold listing reads a mark service's FWM title, keyed as serviceKey keys it", () => {
    const listing = parseThresholdListing(recorded('ipvsadm-R-list-thresholds-fwmark.txt'));
    assert.deepEqual([...listing.keys()], [serviceKey({ fwmark: 1 as Fwmark })]);
    assert.deepEqual(Object.fromEntries(listing.get('fwmark 1')!), { '192.168.10.71:0': { upper: 0, lower: 0 }, '192.168.10.72:0': { upper: 0, lower: 0 } });
  });

  it('ipvsadm refuses marks 0 and 2^32, and a mark twice', () => {
    const { commands } = JSON.parse(recorded('ipvsadm-fwmark.json')) as { commands: { command: string; code: number; stderr: string }[] };
    const refused = commands.filter((c) => c.code !== 0).map((c) => [c.command, c.stderr.trim()]);
    assert.deepEqual(refused, [
      ['ipvsadm -A -f 0 -s rr', "invalid fwmark value `0' specified"],
      ['ipvsadm -A -f 4294967296 -s rr', "invalid fwmark value `4294967296' specified"],
      ['ipvsadm -A -f 1 -s wrr', 'Service already exists'],
    ]);
  });
});
