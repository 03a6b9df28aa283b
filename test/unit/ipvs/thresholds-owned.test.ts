// Thresholds the inventory declares are lvsplay's own: read from the lab's recorded listing
// (test/fixtures/facts/ipvsadm-R-list-thresholds.txt: 192.168.10.71:80 of tcp 192.168.10.100:80 has -x 100
// -y 50; tcp 10.9.9.99:80 does not exist), compared, set and cleared by an -e that carries them.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseThresholdListing } from '../../../src/facts/ipvs-thresholds.ts';
import { parseIpvsFacts } from '../../../src/facts/ipvs.ts';
import { ipvsDelta } from '../../../src/ipvs/delta.ts';
import { formatChange } from '../../../src/ipvs/format.ts';
import { renderIpvsRules } from '../../../src/ipvs/rules-file.ts';
import { serviceKey } from '../../../src/ipvs/table.ts';
import { thresholdsGuard } from '../../../src/ipvs/thresholds.ts';
import { procShowsChanges } from '../../../src/plan/ipvs-read-back.ts';
import { svc } from './helpers.ts';

const recorded = (name: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/facts/${name}`, import.meta.url)), 'utf8');
const LISTED = recorded('ipvsadm-R-list-thresholds.txt');

/** The services of ipvsadm-save-n.txt, with rs1's thresholds of port 80 as `rs1` says. */
const table = (rs1: string) => [
  svc('tcp 172.16.10.81:443 wrr 300', '192.168.10.71:443 masq 1', '192.168.10.72:443 masq 2'),
  svc('tcp 192.168.10.100:80 rr', `192.168.10.71:80 route 1${rs1}`, '192.168.10.72:80 route 3'),
  svc('udp 192.168.10.100:53 wlc', '192.168.10.71:53 route 1', '192.168.10.72:53 route 0'),
];
const OWNED = new Set(table('').map(serviceKey));

/** The facts as the host sends them on a steady-state run: ipvsadm-save printed the file, less its thresholds. */
const steady = (desired: ReturnType<typeof table>, persisted = '@@as-desired\n') => parseIpvsFacts(`@@live-as-desired\n@@persisted\n${persisted}@@thresholds\n${LISTED}`, desired);

describe('thresholds lvsplay sets (issue 14)', () => {
  it('reads the recorded listing: each real server of each listed service, a missing service skipped', () => {
    const listing = parseThresholdListing(LISTED);
    assert.deepEqual([...listing.keys()], ['tcp 192.168.10.100:80', 'tcp 172.16.10.81:443']);
    assert.deepEqual(listing.get('tcp 192.168.10.100:80')?.get('192.168.10.71:80'), { upper: 100, lower: 50 });
    assert.deepEqual(listing.get('tcp 192.168.10.100:80')?.get('192.168.10.72:80'), { upper: 0, lower: 0 });
    assert.throws(() => parseThresholdListing('ipvsadm: something else\n'), /listing thresholds: unexpected line 'ipvsadm: something else'/);
  });

  it('a declared threshold as live: the steady state, no change', () => {
    const desired = table(' 100 50');
    const facts = steady(desired);
    assert.equal(facts.liveIsRulesFile, true);
    assert.deepEqual(ipvsDelta(facts.live, desired, OWNED), []);
  });

  it('a declared threshold that differs: an -e that carries it, not held back by the guard, read back by ipvsadm', () => {
    const desired = table(' 1');
    const facts = steady(desired);
    assert.equal(facts.liveIsRulesFile, false);
    const changes = ipvsDelta(facts.live, desired, OWNED);
    assert.deepEqual(changes.map(formatChange), ['-e -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 1 -x 1']);
    assert.deepEqual(thresholdsGuard(changes), []);
    assert.equal(procShowsChanges(changes), false);
  });

  it('one lvsplay set before (in its rules file) and the inventory dropped: cleared by an -e without them', () => {
    const desired = table('');
    const persisted = renderIpvsRules(table(' 100 50'))
      .split('\n')
      .filter((l) => l.startsWith('-A ') || / -[xy] /.test(l))
      .join('\n');
    const facts = parseIpvsFacts(`@@live-as-desired\n@@persisted\n${persisted}\n@@thresholds\n${LISTED}`, desired);
    const changes = ipvsDelta(facts.live, desired, OWNED);
    assert.deepEqual(changes.map(formatChange), ['-e -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 1']);
    assert.deepEqual(thresholdsGuard(changes), []);
  });

  it('one set by another hand stays unknown, as ipvsadm-save leaves it: no change, and the guard still protects it', () => {
    // rs2 of the same service has lvsplay's threshold; rs1's 100/50 are someone else's.
    const desired = [table('')[0]!, svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 3 10'), table('')[2]!];
    const facts = steady(desired);
    assert.deepEqual(facts.live[1]!.destinations[0], { address: '192.168.10.71', port: 80, forwarding: 'route', weight: 1 });
    assert.deepEqual(ipvsDelta(facts.live, desired, OWNED).map(formatChange), ['-e -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 3 -x 10']);
    const weight = [desired[0]!, svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 2', '192.168.10.72:80 route 3'), desired[2]!];
    const edit = ipvsDelta(facts.live, weight, OWNED);
    assert.deepEqual(edit.map(formatChange), ['-e -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 2']);
    assert.notDeepEqual(thresholdsGuard(edit), [], 'the weight edit of rs1 is guarded');
  });

  it('the rules file carries them on -a lines; what ipvsadm-save prints does not', () => {
    const rules = renderIpvsRules(table(' 100 50'));
    assert.match(rules, /^-a -t 192\.168\.10\.100:80 -r 192\.168\.10\.71:80 -g -w 1 -x 100 -y 50$/m);
    assert.equal(renderIpvsRules(table(' 100 50'), false), recorded('ipvsadm-save-n.txt'));
  });
});
