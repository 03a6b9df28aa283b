/** A director's wanted table and what was read from it, as data: every kind of drift once, for drift and screen tests. */
import type { DirectorReading } from '../../../src/facts/director-status.ts';
import type { Counters } from '../../../src/facts/ipvs-counters.ts';
import type { LiveDestination } from '../../../src/facts/ipvs-live.ts';
import type { IpvsTable } from '../../../src/ipvs/table.ts';
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
