import { strict as assert } from 'node:assert';
import { directorView } from '../../../src/status/drift.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import type { DirectorView, ServiceView } from '../../../src/status/view.ts';
import { holding, PAIR_READING, PAIR_WANTS, READING, WANTS } from './tables.ts';

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

describe("status: keepalived's services and VRRP", () => {
  const view = directorView(PAIR_WANTS, PAIR_READING) as Read;
  const realServers = (service: ServiceView) => service.realServers.map((r) => [r.key, r.drift, r.draining, r.out ?? null]);

  it("owns keepalived's services as keepalived's, neither drift nor someone else's", () => {
    assert.deepEqual(
      view.services.map((s) => [s.key, s.ownership, s.drift]),
      [
        ['tcp 192.168.10.100:80', 'keepalived', []],
        ['tcp 192.168.10.100:443', 'keepalived', []],
        ['tcp 192.168.10.100:8080', 'keepalived', []],
      ],
    );
  });

  it('a real server a health check removed, or set to weight 0 with weight0, is out: not drift, not draining', () => {
    assert.deepEqual(realServers(view.services[0]!), [
      ['192.168.10.71:80', [], false, null],
      ['192.168.10.72:80', [], false, 'health-check'],
    ]);
    assert.deepEqual(realServers(view.services[1]!), [
      ['192.168.10.71:443', [], false, null],
      ['192.168.10.72:443', [], false, 'health-check'],
    ]);
    // Out, yet still what the inventory wants of it, and still checked from the director.
    assert.deepEqual(view.services[0]!.realServers[1]!.wanted, { forwarding: 'route', weight: 1 });
    assert.deepEqual(view.services[0]!.realServers[1]!.tcp, { result: 'refused' });
  });

  it('a real server of an unchecked service missing is drift, as with lvsplay’s own', () => {
    assert.deepEqual(realServers(view.services[2]!), [
      ['192.168.10.71:8080', [], false, null],
      ['192.168.10.72:8080', [{ kind: 'missing' }], false, null],
    ]);
  });

  it('weight 0 is out only under weight0 and where the inventory wants more: else drift or draining', () => {
    const live = PAIR_READING.live!.map((s) =>
      s.key === 'tcp 192.168.10.100:80' ? { ...s, destinations: [...s.destinations, { ...s.destinations[0]!, key: '192.168.10.72:80', address: '192.168.10.72', weight: 0 }] } : s,
    );
    const removeAtZero = directorView(PAIR_WANTS, { ...PAIR_READING, live }) as Read;
    assert.deepEqual(realServers(removeAtZero.services[0]!)[1], ['192.168.10.72:80', [{ kind: 'weight', live: 0, wanted: 1 }], true, null]);
    const table = PAIR_WANTS.keepalived!.table.map((s) => (s.port === 443 ? { ...s, destinations: s.destinations.map((d) => ({ ...d, weight: 0 as typeof d.weight })) } : s));
    const zeroWanted = directorView({ ...PAIR_WANTS, keepalived: { ...PAIR_WANTS.keepalived!, table } }, PAIR_READING) as Read;
    assert.deepEqual(realServers(zeroWanted.services[1]!)[1], ['192.168.10.72:443', [], true, null]);
  });

  it('a service keepalived has not set up is missing, and so are its real servers: no check took them out', () => {
    const bare = directorView(PAIR_WANTS, { ...PAIR_READING, live: [] }) as Read;
    assert.deepEqual(
      bare.services.map((s) => [s.ownership, s.drift]),
      [
        ['keepalived', [{ kind: 'missing' }]],
        ['keepalived', [{ kind: 'missing' }]],
        ['keepalived', [{ kind: 'missing' }]],
      ],
    );
    assert.ok(bare.services.every((s) => s.realServers.every((r) => r.out === undefined && r.drift[0]?.kind === 'missing')));
  });

  it('VRRP: MASTER with every VIP, BACKUP with none, PARTIAL with some, STOPPED without keepalived', () => {
    const two = { ...PAIR_WANTS, keepalived: { ...PAIR_WANTS.keepalived!, vrrp: { vips: ['192.168.10.100', '192.168.10.101'] as [IPv4, IPv4] } } };
    const vrrp = (wants: typeof PAIR_WANTS, keepalived: 'active' | 'not-active', ...vips: string[]) =>
      (directorView(wants, { ...PAIR_READING, vrrp: { keepalived, addresses: holding(...vips) } }) as Read).vrrp;
    assert.deepEqual(view.vrrp, { state: 'MASTER', vips: ['192.168.10.100'] });
    assert.deepEqual(vrrp(two, 'active', '192.168.10.101', '192.168.10.100'), { state: 'MASTER', vips: ['192.168.10.100', '192.168.10.101'] });
    assert.deepEqual(vrrp(two, 'active'), { state: 'BACKUP', vips: [] });
    assert.deepEqual(vrrp(two, 'active', '192.168.10.101'), { state: 'PARTIAL', vips: ['192.168.10.101'], missing: ['192.168.10.100'] });
    assert.deepEqual(vrrp(two, 'not-active'), { state: 'STOPPED', vips: [] });
    assert.deepEqual(vrrp(two, 'not-active', '192.168.10.100'), { state: 'STOPPED', vips: ['192.168.10.100'] });
    // The VIP on another interface (lo) answers ARP all the same.
    const onLo = holding().concat({ device: 'lo', cidr: { address: '192.168.10.100' as IPv4, prefix: 32 }, label: 'lo' });
    assert.deepEqual((directorView(PAIR_WANTS, { ...PAIR_READING, vrrp: { keepalived: 'active', addresses: onLo } }) as Read).vrrp?.state, 'MASTER');
  });

  it('VRRP: not read, and why, when systemctl cannot say; nothing without the part, or for a director in no pair', () => {
    const unread = directorView(PAIR_WANTS, { ...PAIR_READING, vrrp: { unavailable: "systemctl is-active keepalived.service said 'sh: 1: systemctl: not found'" } }) as Read;
    assert.equal(unread.vrrp, undefined);
    assert.equal(unread.vrrpUnavailable, "systemctl is-active keepalived.service said 'sh: 1: systemctl: not found'");
    const { vrrp: _vrrp, ...older } = PAIR_READING;
    const withoutPart = directorView(PAIR_WANTS, older) as Read;
    assert.ok(!('vrrp' in withoutPart) && !('vrrpUnavailable' in withoutPart));
    const { vrrp: _pair, ...checksOnly } = PAIR_WANTS.keepalived!;
    const single = directorView({ ...PAIR_WANTS, keepalived: checksOnly }, PAIR_READING) as Read;
    assert.ok(!('vrrp' in single));
    assert.equal(single.services[0]!.realServers[1]!.out, 'health-check');
  });

  it("lvsplay's services beside keepalived's: lvsplay's first, then keepalived's, then the others", () => {
    const own = WANTS.table.filter((s) => s.protocol === 'udp');
    const others = READING.live!.filter((s) => s.key === 'udp 192.168.10.100:53' || s.key === 'tcp 10.0.0.5:80');
    const both = directorView({ ...PAIR_WANTS, table: own }, { ...PAIR_READING, live: [...others, ...PAIR_READING.live!] }) as Read;
    assert.deepEqual(
      both.services.map((s) => [s.key, s.ownership, s.drift.length]),
      [
        ['udp 192.168.10.100:53', 'lvsplay', 0],
        ['tcp 192.168.10.100:80', 'keepalived', 0],
        ['tcp 192.168.10.100:443', 'keepalived', 0],
        ['tcp 192.168.10.100:8080', 'keepalived', 0],
        ['tcp 10.0.0.5:80', 'foreign', 0],
      ],
    );
  });
});
