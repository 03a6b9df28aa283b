/**
 * A director's wanted table and what was read from it, as data: every kind of drift once, and a director of
 * a pair with keepalived's services, for drift and screen tests.
 */
import type { LiveAddress } from '../../../src/facts/addresses.ts';
import type { DirectorReading } from '../../../src/facts/director-status.ts';
import type { Counters } from '../../../src/facts/ipvs-counters.ts';
import type { LiveDestination } from '../../../src/facts/ipvs-live.ts';
import type { IpvsTable } from '../../../src/ipvs/table.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import { svc } from '../ipvs/helpers.ts';
import type { DirectorWants } from '../../../src/status/drift.ts';

export const WANTS: DirectorWants = {
  host: 'lvs',
  table: [
    {
      protocol: 'tcp',
      vip: '192.168.10.100',
      port: 80,
      scheduler: 'rr',
      destinations: [
        { address: '192.168.10.71', port: 80, forwarding: 'route', weight: 1 },
        { address: '192.168.10.72', port: 80, forwarding: 'route', weight: 2 },
        { address: '192.168.10.73', port: 80, forwarding: 'route', weight: 1 },
      ],
    },
    { protocol: 'tcp', vip: '192.168.10.100', port: 443, scheduler: 'wlc', persistence: 300, destinations: [{ address: '192.168.10.71', port: 443, forwarding: 'route', weight: 1 }] },
    { protocol: 'udp', vip: '192.168.10.100', port: 53, scheduler: 'rr', destinations: [{ address: '192.168.10.71', port: 53, forwarding: 'route', weight: 1 }] },
  ] as unknown as IpvsTable,
  names: new Map([
    ['192.168.10.71', 'rs1'],
    ['192.168.10.72', 'rs2'],
    ['192.168.10.73', 'rs3'],
  ]),
};

const destination = (address: string, port: number, weight: number, active: number, inactive: number, forwarding = 'route'): LiveDestination => ({
  key: `${address}:${port}`,
  address,
  port,
  forwarding,
  weight,
  active,
  inactive,
});

const counters = (connections: number, inBytes: number, outBytes = 0): Counters => ({ connections, inPackets: connections * 3, outPackets: 0, inBytes, outBytes });

/**
 * Port 80: rs1 as wanted, rs2 drained to 0 where the inventory says 2, rs3 not live, 192.168.10.99 extra,
 * the scheduler changed by hand. 443: not live. UDP 53: as wanted. 8080: lvsplay's, gone from the inventory.
 * 10.0.0.5:80: someone else's, NAT.
 */
export const READING: DirectorReading = {
  ipvsadmInstalled: true,
  live: [
    {
      key: 'tcp 192.168.10.100:80',
      scheduler: 'wlc',
      persistent: false,
      destinations: [destination('192.168.10.72', 80, 0, 2, 40), destination('192.168.10.71', 80, 1, 12, 1500), destination('192.168.10.99', 80, 1, 0, 0)],
    },
    { key: 'udp 192.168.10.100:53', scheduler: 'rr', persistent: false, destinations: [destination('192.168.10.71', 53, 1, 0, 3)] },
    { key: 'tcp 192.168.10.100:8080', scheduler: 'rr', persistent: false, destinations: [destination('192.168.10.71', 8080, 1, 0, 0)] },
    { key: 'tcp 10.0.0.5:80', scheduler: 'sh', persistent: true, destinations: [destination('192.168.10.72', 8000, 5, 1, 0, 'masq')] },
  ],
  owned: new Set(['tcp 192.168.10.100:80', 'tcp 192.168.10.100:8080']),
  counters: {
    stats: new Map([
      [
        'tcp 192.168.10.100:80',
        {
          service: counters(123456, 98765432),
          destinations: new Map([
            ['192.168.10.71:80', counters(100000, 80000000)],
            ['192.168.10.72:80', counters(23456, 18765432)],
          ]),
        },
      ],
    ]),
    rate: new Map([
      [
        'tcp 192.168.10.100:80',
        {
          service: counters(25, 1_250_000),
          destinations: new Map([
            ['192.168.10.71:80', counters(25, 1_250_000)],
            ['192.168.10.72:80', counters(0, 0)],
          ]),
        },
      ],
    ]),
  },
  tcp: new Map([
    ['192.168.10.71:80', { result: 'ok' }],
    ['192.168.10.72:80', { result: 'refused' }],
    ['192.168.10.73:80', { result: 'timeout', seconds: 2 }],
    ['192.168.10.99:80', { result: 'error', reason: 'No route to host' }],
    ['192.168.10.71:443', { result: 'ok' }],
    ['192.168.10.71:8080', { result: 'ok' }],
    ['192.168.10.72:8000', { result: 'ok' }],
  ]),
};

/**
 * A director of a pair (lvs, VIP 192.168.10.100) whose services are all keepalived's: port 80 health-checked
 * (a failing real server removed), 443 health-checked with `onFailure: 'weight0'`, 8080 not checked.
 */
export const PAIR_WANTS: DirectorWants = {
  host: 'lvs',
  table: [],
  keepalived: {
    table: [
      svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 1'),
      svc('tcp 192.168.10.100:443 rr', '192.168.10.71:443 route 1', '192.168.10.72:443 route 2'),
      svc('tcp 192.168.10.100:8080 rr', '192.168.10.71:8080 route 1', '192.168.10.72:8080 route 1'),
    ],
    checks: new Map([
      ['tcp 192.168.10.100:80', 'remove'],
      ['tcp 192.168.10.100:443', 'weight0'],
    ]),
    vrrp: { vips: ['192.168.10.100' as IPv4] },
  },
  names: WANTS.names,
};

/** `ip -o -4 address show` of a director holding `vips` on eth0 beside its DIP, as keepalived's MASTER does. */
export const holding = (...vips: string[]): LiveAddress[] =>
  [{ device: 'lo', cidr: '127.0.0.1/8', label: 'lo' }, { device: 'eth0', cidr: '192.168.10.81/24', label: 'eth0' }, ...vips.map((vip) => ({ device: 'eth0', cidr: `${vip}/32`, label: 'eth0' }))].map(
    ({ device, cidr, label }) => {
      const [address, prefix] = cidr.split('/');
      return { device, cidr: { address: address as IPv4, prefix: Number(prefix) }, label };
    },
  );

/**
 * keepalived running, lvs MASTER. 80: rs2 taken out by its check. 443: rs2 at weight 0 by its check.
 * 8080 (unchecked): rs2 not live, which is drift.
 */
export const PAIR_READING: DirectorReading = {
  ipvsadmInstalled: true,
  live: [
    { key: 'tcp 192.168.10.100:80', scheduler: 'rr', persistent: false, destinations: [destination('192.168.10.71', 80, 1, 3, 10)] },
    { key: 'tcp 192.168.10.100:443', scheduler: 'rr', persistent: false, destinations: [destination('192.168.10.71', 443, 1, 0, 0), destination('192.168.10.72', 443, 0, 0, 0)] },
    { key: 'tcp 192.168.10.100:8080', scheduler: 'rr', persistent: false, destinations: [destination('192.168.10.71', 8080, 1, 0, 0)] },
  ],
  owned: new Set(),
  counters: { stats: new Map(), rate: new Map() },
  tcp: new Map([
    ['192.168.10.71:80', { result: 'ok' }],
    ['192.168.10.72:80', { result: 'refused' }],
    ['192.168.10.71:443', { result: 'ok' }],
    ['192.168.10.72:443', { result: 'refused' }],
    ['192.168.10.71:8080', { result: 'ok' }],
    ['192.168.10.72:8080', { result: 'ok' }],
  ]),
  vrrp: { keepalived: 'active', addresses: holding('192.168.10.100') },
};
