import { strict as assert } from 'node:assert';
import { directorView } from '../../../src/status/drift.ts';
import type { DirectorView, ServiceView } from '../../../src/status/view.ts';
import { READING, WANTS } from './tables.ts';

type Read = Extract<DirectorView, { state: 'read' }>;

/** Per service: its ownership and drift, and per real server its key, drift, draining and TCP check. */
function outline(service: ServiceView): unknown {
  return {
    key: service.key,
    ownership: service.ownership,
    drift: service.drift,
    realServers: service.realServers.map((r) => [r.key, r.host ?? null, r.drift, r.draining, r.tcp?.result ?? null]),
  };
}

describe('status: the live table against the inventory', () => {
  const view = directorView(WANTS, READING) as Read;

  it("lists the inventory's services in its order, then the others by key, each owned as the rules file says", () => {
    assert.equal(view.state, 'read');
    assert.deepEqual(
      view.services.map((s) => [s.key, s.ownership]),
      [
        ['tcp 192.168.10.100:80', 'lvsplay'],
        ['tcp 192.168.10.100:443', 'lvsplay'],
        ['udp 192.168.10.100:53', 'lvsplay'],
        ['tcp 10.0.0.5:80', 'foreign'],
        ['tcp 192.168.10.100:8080', 'stale'],
      ],
    );
  });

  it('marks real servers missing, extra, with another weight, and draining (weight 0); the scheduler changed by hand', () => {
    assert.deepEqual(outline(view.services[0]!), {
      key: 'tcp 192.168.10.100:80',
      ownership: 'lvsplay',
      drift: [{ kind: 'scheduler', live: 'wlc', wanted: 'rr' }],
      realServers: [
        ['192.168.10.71:80', 'rs1', [], false, 'ok'],
        ['192.168.10.72:80', 'rs2', [{ kind: 'weight', live: 0, wanted: 2 }], true, 'refused'],
        ['192.168.10.73:80', 'rs3', [{ kind: 'missing' }], false, 'timeout'],
        ['192.168.10.99:80', null, [{ kind: 'extra' }], false, 'error'],
      ],
    });
  });

  it('a service that is not live is missing with all its real servers, which are still checked', () => {
    assert.deepEqual(outline(view.services[1]!), {
      key: 'tcp 192.168.10.100:443',
      ownership: 'lvsplay',
      drift: [{ kind: 'missing' }],
      realServers: [['192.168.10.71:443', 'rs1', [{ kind: 'missing' }], false, 'ok']],
    });
    assert.equal(view.services[1]!.live, undefined);
  });

  it('a UDP service is not TCP-checked; a service lvsplay does not want has no drift of its own real servers', () => {
    assert.deepEqual(outline(view.services[2]!), { key: 'udp 192.168.10.100:53', ownership: 'lvsplay', drift: [], realServers: [['192.168.10.71:53', 'rs1', [], false, null]] });
    for (const other of view.services.slice(3))
      assert.ok(
        other.realServers.every((r) => r.drift.length === 0 && r.wanted === undefined),
        other.key,
      );
  });

  it('gives each real server the counters of both listings, and none to one the listings do not have', () => {
    const [rs1, , rs3, extra] = view.services[0]!.realServers;
    assert.deepEqual(rs1!.live?.counters?.rate, { connections: 25, inPackets: 75, outPackets: 0, inBytes: 1_250_000, outBytes: 0 });
    assert.equal(rs1!.live?.counters?.total.connections, 100_000);
    assert.equal(rs3!.live, undefined);
    assert.equal(extra!.live?.counters, undefined);
    assert.equal(view.services[0]!.live?.counters?.total.connections, 123_456);
  });

  it('without ip_vs: every service missing, IPVS not loaded, no counters; the checks still there', () => {
    const bare = directorView(WANTS, { ...READING, live: undefined, counters: { unavailable: 'IPVS not loaded' }, ipvsadmInstalled: false }) as Read;
    assert.equal(bare.ipvs, 'not-loaded');
    assert.equal(bare.ipvsadm, 'not-installed');
    assert.equal(bare.countersUnavailable, 'IPVS not loaded');
    assert.deepEqual(
      bare.services.map((s) => [s.key, s.drift]),
      WANTS.table.map((s) => [`${s.protocol} ${s.vip}:${s.port}`, [{ kind: 'missing' }]]),
    );
    assert.deepEqual(
      bare.services[0]!.realServers.map((r) => r.tcp?.result),
      ['ok', 'refused', 'timeout'],
    );
  });

  it('without bash: no real server checked, and why', () => {
    const unchecked = directorView(WANTS, { ...READING, tcp: undefined }) as Read;
    assert.equal(unchecked.tcpUnavailable, 'bash not installed');
    assert.ok(unchecked.services.every((s) => s.realServers.every((r) => r.tcp === undefined)));
  });

  it('a table exactly as wanted has no drift', () => {
    const live = WANTS.table.map((s) => ({
      key: `${s.protocol} ${s.vip}:${s.port}`,
      scheduler: s.scheduler,
      persistent: s.persistence !== undefined,
      destinations: s.destinations.map((d) => ({ key: `${d.address}:${d.port}`, address: d.address, port: d.port, forwarding: d.forwarding, weight: d.weight, active: 0, inactive: 0 })),
    }));
    const converged = directorView(WANTS, { ...READING, live }) as Read;
    assert.deepEqual(
      converged.services.flatMap((s) => [...s.drift, ...s.realServers.flatMap((r) => r.drift)]),
      [],
    );
    assert.deepEqual(
      converged.services.map((s) => s.ownership),
      ['lvsplay', 'lvsplay', 'lvsplay'],
    );
  });
});
