import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { renderIpvsRules } from '../../../roles/parts/ipvs.ts';
import { ipvsDelta } from '../../../src/ipvs/delta.ts';
import { sameTable } from '../../../src/ipvs/equal.ts';
import { formatChange } from '../../../src/ipvs/format.ts';
import { parseIpvsSave } from '../../../src/ipvs/parse.ts';
import { serviceKey } from '../../../src/ipvs/table.ts';
import { applyRestore, svc } from './helpers.ts';

/** Outputs recorded on the lab's director (ipvsadm 1.31, kernel 6.1): see test/fixtures/facts/README.md. */
const FACTS = new URL('../../fixtures/facts/', import.meta.url);
const fact = (name: string): string => readFileSync(new URL(name, FACTS), 'utf8');

/** The `ipvsadm -R` input the recording loaded, as the README lists it. */
function loadedLines(): string[] {
  const readme = fact('README.md');
  const block = /Services loaded.*\n\n```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block.split('\n').filter((line) => line !== '');
}

describe('parseIpvsSave on recorded output', () => {
  const loaded = [
    svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 3'),
    svc('tcp 172.16.10.81:443 wrr 300', '192.168.10.71:443 masq 1', '192.168.10.72:443 masq 2'),
    svc('udp 192.168.10.100:53 wlc', '192.168.10.71:53 route 1', '192.168.10.72:53 route 0'),
  ];

  it('reads ipvsadm-save -n, in the order it prints (ipvsadm sorts, not as loaded)', () => {
    const { table, foreign } = parseIpvsSave(fact('ipvsadm-save-n.txt'));
    assert.deepEqual(table, [loaded[1], loaded[0], loaded[2]]);
    assert.deepEqual(foreign, new Map());
  });

  it('reads the empty table, and the empty answer before ip_vs was loaded', () => {
    assert.deepEqual(parseIpvsSave(fact('ipvsadm-save-n-empty.txt')).table, []);
    const noModule = JSON.parse(fact('ipvsadm-save-n-no-module.json')) as { stdout: string };
    assert.deepEqual(parseIpvsSave(noModule.stdout).table, []);
  });

  it('reads the tables left after failing ipvsadm -R inputs (-a without -w saved as -w 1)', () => {
    const runs = JSON.parse(fact('ipvsadm-R-errors.json')) as Record<string, { tableAfter: string }>;
    for (const run of Object.values(runs)) assert.doesNotThrow(() => parseIpvsSave(run.tableAfter));
    assert.deepEqual(parseIpvsSave(runs['add-to-missing-service']?.tableAfter ?? '').table, [
      svc('tcp 10.9.9.1:80 rr', '192.168.10.71:80 route 1'),
      svc('tcp 10.9.9.2:80 rr', '192.168.10.72:80 route 1'),
    ]);
  });

  it('needs no change on the recorded table for the services that were loaded, whatever their order', () => {
    const live = parseIpvsSave(fact('ipvsadm-save-n.txt')).table;
    assert.deepEqual(ipvsDelta(live, loaded, new Set(loaded.map(serviceKey))), []);
    assert.ok(sameTable(parseIpvsSave(renderIpvsRules(loaded)).table, live));
  });

  it('renders the loaded services, given in any order, as the very bytes ipvsadm-save -n printed for them', () => {
    const recorded = fact('ipvsadm-save-n.txt');
    const reversed = [...loaded].reverse().map((service) => ({ ...service, destinations: [...service.destinations].reverse() }));
    assert.equal(renderIpvsRules(loaded), recorded);
    assert.equal(renderIpvsRules(reversed), recorded);
    assert.equal(renderIpvsRules(parseIpvsSave(recorded).table), recorded);
  });

  it('renders the empty table and each table the recorded ipvsadm -R runs left as ipvsadm-save -n printed it', () => {
    assert.equal(renderIpvsRules([]), fact('ipvsadm-save-n-empty.txt'));
    const runs = JSON.parse(fact('ipvsadm-R-errors.json')) as Record<string, { tableAfter: string }>;
    for (const [name, { tableAfter }] of Object.entries(runs)) {
      assert.equal(renderIpvsRules([...parseIpvsSave(tableAfter).table].reverse()), tableAfter, name);
    }
  });

  it('writes, from the empty table, the very lines the recording loaded', () => {
    const lines = ipvsDelta([], loaded, new Set(loaded.map(serviceKey))).map(formatChange);
    assert.deepEqual([...lines].sort(), [...loadedLines()].sort());
    assert.ok(sameTable(applyRestore([], lines), parseIpvsSave(fact('ipvsadm-save-n.txt')).table));
  });
});

describe('the service options recorded on the lab (issue 14)', () => {
  it('reads -M, -b, --pe sip, -o and SCTP as ipvsadm-save printed them; what the inventory cannot say is foreign; the rules file is that text', () => {
    const text = fact('ipvsadm-save-n-options.txt');
    const { table, foreign } = parseIpvsSave(text);
    assert.deepEqual(table.map(serviceKey), ['tcp 10.9.9.10:80', 'tcp 10.9.9.21:80', 'udp 10.9.9.20:5060', 'sctp 10.9.9.22:3868']);
    assert.deepEqual(Object.fromEntries(foreign), {
      'tcp 10.9.9.16:5060': '--pe sip on a non-persistent tcp service',
      'tcp 10.9.9.18:5060': '--pe sip on a tcp service',
      'tcp 10.9.9.19:80': '-M 255.0.255.0',
      'udp 10.9.9.17:5060': '--pe sip on a non-persistent udp service',
    });
    const own = text
      .split('\n')
      .filter((line) => !/10\.9\.9\.1[6-9]:/.test(line))
      .join('\n');
    assert.equal(renderIpvsRules(table, false), own);
  });
});
