// ipvsadm-save's order, from ipvsadm 1.31's libipvs.c (ipvs_cmp_services, ipvs_cmp_dests), in the shapes the
// recorded lab table lacks; recorded.test.ts checks the rendered file against what the lab's ipvsadm printed.
import { strict as assert } from 'node:assert';
import { inSaveOrder } from '../../../src/ipvs/save-order.ts';
import { destinationKey, serviceKey, type IpvsTable } from '../../../src/ipvs/table.ts';
import { svc } from './helpers.ts';

const services = (table: IpvsTable): string[] => inSaveOrder(table).map(serviceKey);

describe("ipvsadm-save's order", () => {
  it('puts tcp (protocol 6) before udp (17), whatever their addresses', () => {
    assert.deepEqual(services([svc('udp 10.0.0.1:53 rr'), svc('tcp 10.0.0.2:80 rr')]), ['tcp 10.0.0.2:80', 'udp 10.0.0.1:53']);
  });

  it("orders one VIP's services by port as a number, not as text", () => {
    assert.deepEqual(services([svc('tcp 10.0.0.1:8080 rr'), svc('tcp 10.0.0.1:443 rr'), svc('tcp 10.0.0.1:80 rr')]), ['tcp 10.0.0.1:80', 'tcp 10.0.0.1:443', 'tcp 10.0.0.1:8080']);
  });

  it('orders addresses as numbers, not as text (10.0.0.9 before 10.0.0.10)', () => {
    assert.deepEqual(services([svc('tcp 10.0.0.10:80 rr'), svc('tcp 10.0.0.9:80 rr')]), ['tcp 10.0.0.9:80', 'tcp 10.0.0.10:80']);
  });

  it('compares addresses as C does, by their 32-bit difference kept in an int: 10.9.9.1 comes after 192.168.10.100', () => {
    // 0xC0A80A64 - 0x0A090901 = 0xB69F0163 wraps to a negative int; the three addresses lie within half the
    // address space from 172.16.10.81, so the comparison is still an order, and ipvsadm prints this one.
    assert.deepEqual(services([svc('tcp 10.9.9.1:8080 rr'), svc('tcp 192.168.10.100:80 rr'), svc('tcp 172.16.10.81:443 rr')]), ['tcp 172.16.10.81:443', 'tcp 192.168.10.100:80', 'tcp 10.9.9.1:8080']);
  });

  it("orders each service's real servers by address, then port, and keeps every setting", () => {
    const [service] = inSaveOrder([svc('udp 172.16.10.81:53 sh 300', '192.168.10.72:53 masq 0', '192.168.10.71:5353 masq 4', '192.168.10.71:53 masq 2')]);
    assert.deepEqual(service!.destinations.map(destinationKey), ['192.168.10.71:53', '192.168.10.71:5353', '192.168.10.72:53']);
    assert.deepEqual(service, svc('udp 172.16.10.81:53 sh 300', '192.168.10.71:53 masq 2', '192.168.10.71:5353 masq 4', '192.168.10.72:53 masq 0'));
  });

  it('leaves the table it is given as it was', () => {
    const table = [svc('tcp 10.0.0.2:80 rr', '10.0.1.2:80 route 1', '10.0.1.1:80 route 1'), svc('tcp 10.0.0.1:80 rr')];
    const before = structuredClone(table);
    inSaveOrder(table);
    assert.deepEqual(table, before);
  });
});
