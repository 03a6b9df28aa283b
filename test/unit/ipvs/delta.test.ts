import { strict as assert } from 'node:assert';
import { blockedServices, ipvsDelta, unmanagedServices } from '../../../src/ipvs/delta.ts';
import { sameTable } from '../../../src/ipvs/equal.ts';
import { formatChange } from '../../../src/ipvs/format.ts';
import { serviceKey, type IpvsService, type IpvsTable } from '../../../src/ipvs/table.ts';
import { DELTA_CASES, expectedAfter, ownedOf } from './delta-cases.ts';
import { applyRestore, svc } from './helpers.ts';

describe('ipvsDelta', () => {
  for (const testCase of DELTA_CASES) {
    const owned = ownedOf(testCase.persisted ?? [], testCase.desired);

    it(`writes ${testCase.name}`, () => {
      assert.deepEqual(ipvsDelta(testCase.live, testCase.desired, owned).map(formatChange), testCase.lines);
    });

    it(`reaches the desired table through a model of ipvsadm -R (the lab runs the real one): ${testCase.name}`, () => {
      const after = applyRestore(testCase.live, testCase.lines);
      assert.ok(sameTable(after, expectedAfter(testCase.live, testCase.desired, owned)));
      assert.deepEqual(ipvsDelta(after, testCase.desired, owned), [], 'a second run changes nothing');
    });
  }

  it('never touches a foreign service, even a desired one, and names it as blocked', () => {
    const desired = [svc('tcp 1.2.3.4:80 rr', '10.0.0.1:80 route 1'), svc('tcp 1.2.3.5:80 rr')];
    const foreign = ['tcp 1.2.3.4:80', 'fwmark 1'];
    const lines = ipvsDelta([], desired, ownedOf(foreign, desired), new Set(foreign)).map(formatChange);
    assert.deepEqual(lines, ['-A -t 1.2.3.5:80 -s rr']);
    assert.deepEqual(blockedServices(desired, new Set(foreign)), ['tcp 1.2.3.4:80']);
  });

  it('names the live services it neither wants nor owns as unmanaged', () => {
    const live = [svc('tcp 1.2.3.4:80 rr'), svc('tcp 1.2.3.5:80 rr'), svc('udp 1.2.3.6:53 rr')];
    const desired = [svc('tcp 1.2.3.4:80 rr')];
    assert.deepEqual(unmanagedServices(live, desired, ownedOf(['tcp 1.2.3.5:80'], desired)), ['udp 1.2.3.6:53']);
  });

  it('refuses a desired table that lists a service or a real server twice', () => {
    const service = svc('tcp 1.2.3.4:80 rr');
    assert.throws(() => ipvsDelta([], [service, service], new Set()), /the desired table has tcp 1\.2\.3\.4:80 twice/);
    const twice = svc('tcp 1.2.3.4:80 rr', '10.0.0.1:80 route 1', '10.0.0.1:80 route 2');
    assert.throws(() => ipvsDelta([service], [twice], new Set()), /desired tcp 1\.2\.3\.4:80 has 10\.0\.0\.1:80 twice/);
  });

  describe('on a director with 2,000 services × 10 real servers', () => {
    const live = bigTable(2000, 10);
    const owned = new Set(live.map(serviceKey));
    const edited = onePercentChanged(live);

    it('writes 22 lines for a new empty service, 20 weights and a removed service', () => {
      const desired = [...edited, svc('tcp 10.200.0.1:80 rr')];
      const lines = ipvsDelta(live, desired, ownedOf([...owned], desired)).map(formatChange);
      assert.equal(lines.length, 22);
      assert.equal(lines[0], '-A -t 10.200.0.1:80 -s rr');
      assert.equal(lines[1], '-e -t 10.0.0.1:80 -r 172.16.0.1:80 -g -w 5');
      assert.equal(lines.filter((line) => line.startsWith('-e ')).length, 20);
      assert.equal(lines[21], '-D -t 10.7.207.1:80');
      assert.ok(sameTable(applyRestore(live, lines), desired));
    });

    // Work counted as reads of service and real-server fields, not timed: a busy machine cannot fail it,
    // and a delta that looked real servers up by scanning (quadratic) would read about 100 times more
    // at 10 times the services, where a linear one reads 10 times more.
    it('does work linear in the table: 10 times the services, 10 times the field reads', () => {
      const reads = (services: number): number => {
        const table = bigTable(services, 10);
        const desired = [...onePercentChanged(table), svc('tcp 10.200.0.1:80 rr')];
        const counter = { reads: 0 };
        const lines = ipvsDelta(countingReads(table, counter), countingReads(desired, counter), ownedOf(table.map(serviceKey), desired));
        assert.equal(lines.length, services / 100 + 2);
        return counter.reads;
      };
      const small = reads(200);
      const large = reads(2000);
      assert.ok(small > 200 * 10, `${small} reads: the counter sees the real servers`);
      assert.ok(large <= 11 * small, `${large} reads at 2,000 services against ${small} at 200`);
    });

    it('writes 32 lines when the new service comes with its 10 real servers', () => {
      const added = svc('tcp 10.200.0.1:80 rr', ...Array.from({ length: 10 }, (_, j) => `172.16.${j}.1:80 route 1`));
      const desired = [...edited, added];
      const lines = ipvsDelta(live, desired, ownedOf([...owned], desired)).map(formatChange);
      assert.equal(lines.length, 32);
      assert.ok(sameTable(applyRestore(live, lines), desired));
    });
  });
});

function bigTable(services: number, servers: number): IpvsService[] {
  return Array.from({ length: services }, (_, i) => svc(`tcp 10.${i >> 8}.${i & 255}.1:80 wlc`, ...Array.from({ length: servers }, (_, j) => `172.16.${j}.${(i % 250) + 1}:80 route 1`)));
}

/** 1%: every hundredth service has one weight edited, the last service removed (a new one is the caller's). */
function onePercentChanged(table: IpvsTable): IpvsService[] {
  return table.slice(0, -1).map((service, i) => (i % 100 === 0 ? withWeight(service, (i / 100) % 10, 5) : service));
}

/** The table with each service and real server behind a proxy that counts reads of their fields. */
function countingReads(table: IpvsTable, counter: { reads: number }): IpvsTable {
  const counted = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, field, receiver) {
        counter.reads++;
        return Reflect.get(object, field, receiver);
      },
    });
  return table.map((service) => counted({ ...service, destinations: service.destinations.map(counted) }));
}

function withWeight(service: IpvsService, index: number, weight: number): IpvsService {
  return {
    ...service,
    destinations: service.destinations.map((d, j) => (j === index ? { ...d, weight: weight as typeof d.weight } : d)),
  };
}
