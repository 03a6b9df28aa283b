// A director planned again without the new real servers whose hosts failed earlier in the run.
import { serviceKey } from '../../../src/ipvs/table.ts';
import { strict as assert } from 'node:assert';
import { desiredState } from '../../../roles/index.ts';
import dr from '../../../inventories/dr.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import { parseIpvsSave } from '../../../src/ipvs/parse.ts';
import { formatChange } from '../../../src/ipvs/format.ts';
import { planHost } from '../../../src/plan/plan.ts';
import { describeWithheld, inventoryWithout, withheldRealServers } from '../../../src/run/withhold.ts';
import { NO_FACTS } from '../plan/no-facts.ts';

const inventory = checkInventory('dr.ts', structuredClone(dr));
const lvs = inventory.hosts.find((h) => h.name === 'lvs')!;
const ipvsLines = (plan: ReturnType<typeof planHost>) => {
  const item = plan.items.find((i) => i.kind === 'ipvs');
  return item?.kind === 'ipvs' ? (item.ipvsChanges ?? []).map(formatChange) : [];
};

describe('withholding the real servers of hosts that failed earlier in the run', () => {
  it('leaves out a real server the director would add, and plans the table and rules file without it', () => {
    const plan = planHost(desiredState(inventory, lvs), NO_FACTS);
    const withheld = withheldRealServers(inventory, 'lvs', plan, new Set(['rs2']));
    assert.deepEqual(withheld, [{ service: 'tcp 192.168.10.100:80', host: 'rs2', destination: '192.168.10.72:80' }]);
    assert.equal(describeWithheld(withheld[0]!), '192.168.10.72:80 (rs2) not added to tcp 192.168.10.100:80: rs2 failed earlier in this run');
    const again = planHost(desiredState(inventoryWithout(inventory, 'lvs', withheld), lvs), NO_FACTS);
    assert.deepEqual(ipvsLines(again), ['-A -t 192.168.10.100:80 -s rr', '-a -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 1']);
    const rules = again.items.find((i) => i.kind === 'file' && i.path === '/etc/sysconfig/ipvsadm');
    assert.ok(rules?.kind === 'file' && !rules.content.includes('192.168.10.72'), 'the rules file persists the withheld real server');
  });

  it('keeps a real server already in the table: the run did not put it there', () => {
    const live = parseIpvsSave('-A -t 192.168.10.100:80 -s rr\n-a -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 1\n').table;
    const facts = { ...NO_FACTS, ipvs: { moduleLoaded: true, live, foreign: new Map(), persisted: new Set(live.map(serviceKey)), liveIsRulesFile: false } };
    const plan = planHost(desiredState(inventory, lvs), facts);
    assert.deepEqual(withheldRealServers(inventory, 'lvs', plan, new Set(['rs2'])), []);
    assert.deepEqual(
      withheldRealServers(inventory, 'lvs', plan, new Set(['rs1'])).map((w) => w.host),
      ['rs1'],
    );
  });

  it('withholds nothing when no real server of this director failed', () => {
    const plan = planHost(desiredState(inventory, lvs), NO_FACTS);
    assert.deepEqual(withheldRealServers(inventory, 'lvs', plan, new Set(['router'])), []);
    assert.deepEqual(withheldRealServers(inventory, 'other', plan, new Set(['rs2'])), []);
  });
});
