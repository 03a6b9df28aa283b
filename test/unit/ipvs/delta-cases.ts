import { serviceKey, type IpvsTable } from '../../../src/ipvs/table.ts';
import { svc } from './helpers.ts';

/** Live and desired tables and the owned services in; the exact `ipvsadm -R` lines out. */
export interface DeltaCase {
  readonly name: string;
  readonly live: IpvsTable;
  readonly desired: IpvsTable;
  /** Services lvsplay owns besides the desired ones (those of the rules file it persisted last). */
  readonly persisted?: readonly string[];
  readonly lines: readonly string[];
}

const NAT = svc('tcp 172.16.10.81:80 wrr', '192.168.10.71:80 masq 1', '192.168.10.72:80 masq 1');
const DR = svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 1');
const OTHER = svc('udp 10.9.9.9:53 rr', '10.9.9.1:53 masq 1');

export const DELTA_CASES: readonly DeltaCase[] = [
  { name: 'nothing when live equals desired', live: [NAT, DR], desired: [NAT, DR], lines: [] },
  {
    name: 'nothing when only the order of services and real servers differs',
    live: [svc('tcp 192.168.10.100:80 rr', '192.168.10.72:80 route 1', '192.168.10.71:80 route 1'), NAT],
    desired: [NAT, DR],
    lines: [],
  },
  {
    name: "seed 4.1's service on an empty table",
    live: [],
    desired: [NAT],
    lines: ['-A -t 172.16.10.81:80 -s wrr', '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w 1', '-a -t 172.16.10.81:80 -r 192.168.10.72:80 -m -w 1'],
  },
  {
    name: 'a weight change as one -e, carrying the forwarding method too',
    live: [DR],
    desired: [svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 0')],
    lines: ['-e -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 0'],
  },
  {
    name: 'a forwarding change (same address and port) as one -e',
    live: [svc('tcp 1.2.3.4:80 rr', '10.0.0.1:80 masq 1')],
    desired: [svc('tcp 1.2.3.4:80 rr', '10.0.0.1:80 route 3')],
    lines: ['-e -t 1.2.3.4:80 -r 10.0.0.1:80 -g -w 3'],
  },
  {
    name: 'a masq port change as delete and add: the port is part of the real server',
    live: [svc('tcp 1.2.3.4:80 rr', '10.0.0.1:8080 masq 1')],
    desired: [svc('tcp 1.2.3.4:80 rr', '10.0.0.1:80 masq 1')],
    lines: ['-d -t 1.2.3.4:80 -r 10.0.0.1:8080', '-a -t 1.2.3.4:80 -r 10.0.0.1:80 -m -w 1'],
  },
  {
    name: 'a scheduler change as one -E, real servers untouched',
    live: [NAT],
    desired: [svc('tcp 172.16.10.81:80 rr', '192.168.10.71:80 masq 1', '192.168.10.72:80 masq 1')],
    lines: ['-E -t 172.16.10.81:80 -s rr'],
  },
  {
    name: 'persistence added',
    live: [svc('tcp 1.2.3.4:80 rr')],
    desired: [svc('tcp 1.2.3.4:80 rr 300')],
    lines: ['-E -t 1.2.3.4:80 -s rr -p 300'],
  },
  {
    name: 'persistence removed: -E without -p turns it off',
    live: [svc('tcp 1.2.3.4:80 rr 300')],
    desired: [svc('tcp 1.2.3.4:80 rr')],
    lines: ['-E -t 1.2.3.4:80 -s rr'],
  },
  {
    name: 'persistence timeout changed',
    live: [svc('udp 1.2.3.4:53 wlc 300')],
    desired: [svc('udp 1.2.3.4:53 wlc 600')],
    lines: ['-E -u 1.2.3.4:53 -s wlc -p 600'],
  },
  {
    name: 'a real server replaced: delete first, then add',
    live: [DR],
    desired: [svc('tcp 192.168.10.100:80 rr', '192.168.10.73:80 route 1', '192.168.10.71:80 route 1')],
    lines: ['-d -t 192.168.10.100:80 -r 192.168.10.72:80', '-a -t 192.168.10.100:80 -r 192.168.10.73:80 -g -w 1'],
  },
  {
    name: 'an owned service no longer desired is deleted',
    live: [NAT, DR],
    desired: [DR],
    persisted: ['tcp 172.16.10.81:80', 'tcp 192.168.10.100:80'],
    lines: ['-D -t 172.16.10.81:80'],
  },
  {
    name: "a service lvsplay does not own is left alone (someone else's)",
    live: [OTHER, DR],
    desired: [DR],
    persisted: ['tcp 192.168.10.100:80'],
    lines: [],
  },
  {
    name: "a desired service that is someone else's live is taken over and made as desired",
    live: [svc('tcp 192.168.10.100:80 wlc', '192.168.10.99:80 masq 5')],
    desired: [DR],
    lines: [
      '-E -t 192.168.10.100:80 -s rr',
      '-d -t 192.168.10.100:80 -r 192.168.10.99:80',
      '-a -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 1',
      '-a -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 1',
    ],
  },
  {
    name: 'every kind at once, in order: add services, edit services, delete servers, add/edit servers, delete services',
    live: [svc('tcp 10.0.0.1:80 rr', '10.1.0.1:80 route 1', '10.1.0.2:80 route 1'), svc('tcp 10.0.0.2:80 rr', '10.1.0.1:80 route 1'), svc('tcp 10.0.0.3:80 rr', '10.1.0.1:80 route 1'), OTHER],
    desired: [svc('tcp 10.0.0.1:80 wrr', '10.1.0.1:80 route 2', '10.1.0.3:80 route 1'), svc('udp 10.0.0.4:53 rr 60', '10.1.0.1:53 masq 1'), svc('tcp 10.0.0.2:80 rr', '10.1.0.1:80 masq 1')],
    persisted: ['tcp 10.0.0.1:80', 'tcp 10.0.0.2:80', 'tcp 10.0.0.3:80'],
    lines: [
      '-A -u 10.0.0.4:53 -s rr -p 60',
      '-E -t 10.0.0.1:80 -s wrr',
      '-d -t 10.0.0.1:80 -r 10.1.0.2:80',
      '-e -t 10.0.0.1:80 -r 10.1.0.1:80 -g -w 2',
      '-a -t 10.0.0.1:80 -r 10.1.0.3:80 -g -w 1',
      '-a -u 10.0.0.4:53 -r 10.1.0.1:53 -m -w 1',
      '-e -t 10.0.0.2:80 -r 10.1.0.1:80 -m -w 1',
      '-D -t 10.0.0.3:80',
    ],
  },
];

/** As the engine computes it: the persisted services plus the desired ones. */
export function ownedOf(persisted: readonly string[], desired: IpvsTable): Set<string> {
  return new Set([...persisted, ...desired.map(serviceKey)]);
}

/** What the live table must be after the delta: the desired services, and the unowned ones untouched. */
export function expectedAfter(live: IpvsTable, desired: IpvsTable, owned: ReadonlySet<string>): IpvsTable {
  const desiredKeys = new Set(desired.map(serviceKey));
  return [...desired, ...live.filter((s) => !desiredKeys.has(serviceKey(s)) && !owned.has(serviceKey(s)))];
}
