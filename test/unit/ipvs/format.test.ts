import { strict as assert } from 'node:assert';
import type { Netmask } from '../../../src/inventory/model.ts';
import type { IpvsChange } from '../../../src/ipvs/delta.ts';
import { describeChange, formatChange, formatChanges } from '../../../src/ipvs/format.ts';
import { settingsOf } from '../../../src/ipvs/table.ts';
import { dest, svc } from './helpers.ts';

const DR = settingsOf(svc('tcp 192.168.10.100:80 rr'));
const PERSISTENT = settingsOf(svc('udp 192.168.10.100:53 wrr 300'));
/** Every service option at once (issue 14). */
const SIP = { ...settingsOf(svc('udp 10.0.0.30:5060 sh 120')), netmask: '255.255.0.0' as Netmask, pe: 'sip' as const, onePacket: true as const, schedFlags: ['sh-fallback', 'sh-port'] as const };

/** Each kind of change: the `ipvsadm -R` line, and the sentence a report shows. */
const CASES: readonly { change: IpvsChange; line: string; sentence: string }[] = [
  {
    change: { op: 'add-service', service: DR },
    line: '-A -t 192.168.10.100:80 -s rr',
    sentence: 'add service tcp 192.168.10.100:80 (scheduler rr, persistence off)',
  },
  {
    change: { op: 'add-service', service: PERSISTENT },
    line: '-A -u 192.168.10.100:53 -s wrr -p 300',
    sentence: 'add service udp 192.168.10.100:53 (scheduler wrr, persistence 300 s)',
  },
  {
    change: { op: 'edit-service', service: { ...PERSISTENT, scheduler: 'rr' }, before: PERSISTENT },
    line: '-E -u 192.168.10.100:53 -s rr -p 300',
    sentence: 'change service udp 192.168.10.100:53: scheduler wrr → rr',
  },
  {
    change: { op: 'edit-service', service: settingsOf(svc('udp 192.168.10.100:53 rr')), before: PERSISTENT },
    line: '-E -u 192.168.10.100:53 -s rr',
    sentence: 'change service udp 192.168.10.100:53: scheduler wrr → rr, persistence 300 s → off',
  },
  {
    change: { op: 'add-service', service: SIP },
    line: '-A -u 10.0.0.30:5060 -s sh -p 120 -M 255.255.0.0 --pe sip -o -b sh-fallback,sh-port',
    sentence: 'add service udp 10.0.0.30:5060 (scheduler sh, persistence 120 s, netmask 255.255.0.0, scheduler flags sh-fallback,sh-port, persistence engine sip, one-packet scheduling on)',
  },
  {
    change: { op: 'edit-service', service: { ...SIP, netmask: undefined, schedFlags: ['sh-port'], onePacket: undefined }, before: SIP },
    line: '-E -u 10.0.0.30:5060 -s sh -p 120 --pe sip -b sh-port',
    sentence: 'change service udp 10.0.0.30:5060: netmask 255.255.0.0 → none, scheduler flags sh-fallback,sh-port → sh-port, one-packet scheduling on → none',
  },
  {
    change: { op: 'add-service', service: settingsOf(svc('sctp 10.0.0.32:3868 wlc')) },
    line: '-A --sctp-service 10.0.0.32:3868 -s wlc',
    sentence: 'add service sctp 10.0.0.32:3868 (scheduler wlc, persistence off)',
  },
  {
    change: { op: 'edit-destination', service: DR, destination: dest('192.168.10.71:80 route 2 100 50'), before: dest('192.168.10.71:80 route 2 100') },
    line: '-e -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 2 -x 100 -y 50',
    sentence: 'change real server 192.168.10.71:80 of tcp 192.168.10.100:80: lower threshold none → 50',
  },
  {
    change: { op: 'add-destination', service: DR, destination: dest('192.168.10.72:80 route 1 5') },
    line: '-a -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 1 -x 5',
    sentence: 'add real server 192.168.10.72:80 (route, weight 1, upper threshold 5) to tcp 192.168.10.100:80',
  },
  {
    change: { op: 'delete-service', service: DR },
    line: '-D -t 192.168.10.100:80',
    sentence: 'delete service tcp 192.168.10.100:80 and its real servers',
  },
  {
    change: { op: 'add-destination', service: DR, destination: dest('192.168.10.72:80 route 1') },
    line: '-a -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 1',
    sentence: 'add real server 192.168.10.72:80 (route, weight 1) to tcp 192.168.10.100:80',
  },
  {
    change: { op: 'add-destination', service: DR, destination: dest('10.0.0.1:8080 masq 0') },
    line: '-a -t 192.168.10.100:80 -r 10.0.0.1:8080 -m -w 0',
    sentence: 'add real server 10.0.0.1:8080 (masq, weight 0) to tcp 192.168.10.100:80',
  },
  {
    change: {
      op: 'edit-destination',
      service: DR,
      destination: dest('192.168.10.72:80 tunnel 65535'),
      before: dest('192.168.10.72:80 route 1'),
    },
    line: '-e -t 192.168.10.100:80 -r 192.168.10.72:80 -i -w 65535',
    sentence: 'change real server 192.168.10.72:80 of tcp 192.168.10.100:80: route → tunnel, weight 1 → 65535',
  },
  {
    change: { op: 'edit-service', service: PERSISTENT, before: settingsOf(svc('udp 192.168.10.100:53 wrr')) },
    line: '-E -u 192.168.10.100:53 -s wrr -p 300',
    sentence: 'change service udp 192.168.10.100:53: persistence off → 300 s',
  },
  {
    change: { op: 'edit-destination', service: DR, destination: dest('192.168.10.72:80 route 2'), before: dest('192.168.10.72:80 route 1') },
    line: '-e -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 2',
    sentence: 'change real server 192.168.10.72:80 of tcp 192.168.10.100:80: weight 1 → 2',
  },
  {
    change: { op: 'edit-destination', service: DR, destination: dest('192.168.10.72:80 tunnel 1'), before: dest('192.168.10.72:80 route 1') },
    line: '-e -t 192.168.10.100:80 -r 192.168.10.72:80 -i -w 1',
    sentence: 'change real server 192.168.10.72:80 of tcp 192.168.10.100:80: route → tunnel',
  },
  {
    change: { op: 'delete-destination', service: DR, destination: dest('192.168.10.72:80 route 1') },
    line: '-d -t 192.168.10.100:80 -r 192.168.10.72:80',
    sentence: 'remove real server 192.168.10.72:80 (route, weight 1) from tcp 192.168.10.100:80',
  },
];

describe('formatChange and describeChange', () => {
  for (const { change, line, sentence } of CASES) {
    it(`writes ${line}`, () => {
      assert.equal(formatChange(change), line);
      assert.equal(describeChange(change), sentence);
    });
  }

  it("joins a delta into ipvsadm -R's stdin, and nothing into nothing", () => {
    const changes = CASES.slice(0, 2).map((c) => c.change);
    assert.equal(formatChanges(changes), '-A -t 192.168.10.100:80 -s rr\n-A -u 192.168.10.100:53 -s wrr -p 300\n');
    assert.equal(formatChanges([]), '');
  });
});
