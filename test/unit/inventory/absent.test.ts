import { strict as assert } from 'node:assert';
import { desiredState } from '../../../roles/index.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import { selectHosts } from '../../../src/select.ts';
import { baseInventory } from './cases.ts';

describe('a host marked absent', () => {
  function withAbsentRs2(mutate: (inventory: any) => void = () => {}) {
    const input = baseInventory('dr');
    input.hosts.rs2.state = 'absent';
    mutate(input);
    return checkInventory('inventory.ts', input);
  }

  it('is left out of the services that still list it, so that its director drains it', () => {
    const inventory = withAbsentRs2();
    assert.deepEqual(
      inventory.services[0]!.realServers.map((rs) => rs.host),
      ['rs1'],
    );
    assert.equal(inventory.hosts.find((h) => h.name === 'rs2')!.state, 'absent');
    assert.equal(inventory.hosts.find((h) => h.name === 'rs1')!.state, 'present');
  });

  it('needs no role and no longer has to fit a service: only what its manifest records is undone there', () => {
    const inventory = withAbsentRs2((input) => {
      input.hosts.rs2.roles = [];
      input.hosts.rs2.gateway = undefined;
    });
    const rs2 = inventory.hosts.find((h) => h.name === 'rs2')!;
    assert.deepEqual(rs2.roles, []);
    assert.deepEqual(desiredState(inventory, rs2), { host: rs2, roles: [], items: [] });
  });

  it('wants nothing even with its roles still listed', () => {
    const inventory = withAbsentRs2();
    const rs2 = inventory.hosts.find((h) => h.name === 'rs2')!;
    assert.deepEqual(desiredState(inventory, rs2).items, []);
  });

  it('is selected by a whole run and skipped by a --role run, which removes nothing', () => {
    const inventory = withAbsentRs2();
    assert.deepEqual(
      selectHosts(inventory, { roles: [], limits: [] }).map((s) => s.host.name),
      ['router', 'lvs', 'rs1', 'rs2'],
    );
    assert.deepEqual(
      selectHosts(inventory, { roles: ['realserver-dr'], limits: [] }).map((s) => s.host.name),
      ['rs1'],
    );
  });

  it('gives each service the default drain timeout of 60 s unless it sets one', () => {
    assert.equal(withAbsentRs2().services[0]!.drainTimeout, 60);
    assert.equal(
      withAbsentRs2((input) => {
        input.services[0].drainTimeout = 0;
      }).services[0]!.drainTimeout,
      0,
    );
  });
});
