// What `lvsplay status` wants of each director, from the inventory and the roles: lvsplay's own table, and
// keepalived's part (its services, which of them are health-checked, the VIPs VRRP moves).
import { strict as assert } from 'node:assert';
import { desiredState } from '../../../roles/index.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import type { Inventory } from '../../../src/inventory/model.ts';
import { serviceKey } from '../../../src/ipvs/table.ts';
import { SelectionError } from '../../../src/select.ts';
import { directorsOf } from '../../../src/status/wants.ts';
import { baseInventory, pairInventory } from '../inventory/cases.ts';

/** The seed's pair (pairInventory), changed by `mutate`, checked. */
function pair(mutate: (inv: any) => void = () => undefined): Inventory {
  const inv = pairInventory();
  mutate(inv);
  return checkInventory('inventory.ts', inv);
}

const SERVICE = 'tcp 192.168.10.100:80';

describe('status: what the inventory wants of each director', () => {
  it("a pair: both directors, every service keepalived's, none lvsplay's, the VIP VRRP moves", () => {
    const directors = directorsOf(pair(), desiredState, []);
    assert.deepEqual(
      directors.map(({ host, wants }) => [host.name, wants.host, wants.table, wants.keepalived?.table.map(serviceKey), [...(wants.keepalived?.checks ?? [])], wants.keepalived?.vrrp]),
      [
        ['lvs', 'lvs', [], [SERVICE], [], { vips: ['192.168.10.100'] }],
        ['lvs2', 'lvs2', [], [SERVICE], [], { vips: ['192.168.10.100'] }],
      ],
    );
    // The table as the inventory wants it live, real servers named by their addresses.
    const [lvs] = directors;
    assert.deepEqual(
      lvs!.wants.keepalived!.table[0]!.destinations.map((d) => [d.address, d.port, d.forwarding, d.weight]),
      [
        ['192.168.10.71', 80, 'route', 1],
        ['192.168.10.72', 80, 'route', 1],
      ],
    );
    assert.equal(lvs!.wants.names.get('192.168.10.72'), 'rs2');
  });

  it('the health-checked services, each with what a failing real server gets', () => {
    const inv = pair((i) => {
      i.services[0].healthCheck = { type: 'http', path: '/', status: 200, onFailure: 'weight0' };
      i.services.push({ ...structuredClone(i.services[0]), port: 443, healthCheck: { type: 'tcp' } });
      i.services.push({ ...structuredClone(i.services[0]), port: 8080, healthCheck: undefined });
    });
    const [lvs] = directorsOf(inv, desiredState, []);
    assert.deepEqual(
      [...lvs!.wants.keepalived!.checks],
      [
        [SERVICE, 'weight0'],
        ['tcp 192.168.10.100:443', 'remove'],
      ],
    );
    assert.deepEqual(lvs!.wants.keepalived!.table.map(serviceKey), [SERVICE, 'tcp 192.168.10.100:443', 'tcp 192.168.10.100:8080']);
    // One VIP, however many services share it.
    assert.deepEqual(lvs!.wants.keepalived!.vrrp, { vips: ['192.168.10.100'] });
  });

  it('a host that directs only keepalived services is still a director for --limit', () => {
    assert.deepEqual(
      directorsOf(pair(), desiredState, ['lvs2']).map(({ host }) => host.name),
      ['lvs2'],
    );
    assert.throws(
      () => directorsOf(pair(), desiredState, ['rs1']),
      (error: Error) => error instanceof SelectionError && error.message === '--limit rs1: not a director (directors: lvs, lvs2)',
    );
  });

  it('one director: a health check makes the service keepalived’s, with no VRRP; without one, all is lvsplay’s', () => {
    const checked = baseInventory('dr');
    checked.services[0].healthCheck = { type: 'tcp' };
    const [single] = directorsOf(checkInventory('inventory.ts', checked), desiredState, []);
    assert.deepEqual(single!.wants.table, []);
    assert.deepEqual([single!.wants.keepalived!.table.map(serviceKey), [...single!.wants.keepalived!.checks], single!.wants.keepalived!.vrrp], [[SERVICE], [[SERVICE, 'remove']], undefined]);
    const [plain] = directorsOf(checkInventory('inventory.ts', baseInventory('dr')), desiredState, []);
    assert.deepEqual(plain!.wants.table.map(serviceKey), [SERVICE]);
    assert.equal(plain!.wants.keepalived, undefined);
  });
});
