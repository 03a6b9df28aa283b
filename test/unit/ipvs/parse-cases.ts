import type { Netmask } from '../../../src/inventory/model.ts';
import type { IpvsTable } from '../../../src/ipvs/table.ts';
import { saved, svc } from './helpers.ts';

/**
 * `ipvsadm-save -n` text in, table and foreign services out. The lines follow ipvsadm 1.31's
 * print_service_entry with FMT_RULE: `-A SVC -s SCHED[ -p TIMEOUT[ -M MASK]][ --pe PE][ -o][ -b FLAGS]`,
 * then `-a SVC -r ADDR:PORT -g|-m|-i -w WEIGHT[ --tun-type ...]` for each real server, -p and -w always
 * with their value.
 */
export interface ParseCase {
  readonly name: string;
  readonly text: string;
  readonly table: IpvsTable;
  readonly foreign?: readonly string[];
  /** Why, for the foreign services that have a check here. */
  readonly reasons?: Readonly<Record<string, string>>;
}

export const PARSE_CASES: readonly ParseCase[] = [
  { name: 'an empty table (ip_vs loaded, no service)', text: '', table: [] },
  {
    name: "seed 4.1's NAT service",
    text: saved('-A -t 172.16.10.81:80 -s wrr', '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w 1', '-a -t 172.16.10.81:80 -r 192.168.10.72:80 -m -w 1'),
    table: [svc('tcp 172.16.10.81:80 wrr', '192.168.10.71:80 masq 1', '192.168.10.72:80 masq 1')],
  },
  {
    name: 'persistence, udp, weights 0 and 65535, DR, and a masq port that differs',
    text: saved(
      '-A -t 1.2.3.4:80 -s rr -p 300',
      '-a -t 1.2.3.4:80 -r 10.0.0.1:80 -g -w 0',
      '-a -t 1.2.3.4:80 -r 10.0.0.2:80 -g -w 65535',
      '-A -u 1.2.3.4:53 -s wlc',
      '-a -u 1.2.3.4:53 -r 10.0.0.3:5353 -m -w 5',
    ),
    table: [svc('tcp 1.2.3.4:80 rr 300', '10.0.0.1:80 route 0', '10.0.0.2:80 route 65535'), svc('udp 1.2.3.4:53 wlc', '10.0.0.3:5353 masq 5')],
  },
  {
    name: 'an ipip tunnel, as ipvsadm 1.30+ saves it (with --tun-type ipip) and as older ones did',
    text: saved('-A -t 1.2.3.4:80 -s rr', '-a -t 1.2.3.4:80 -r 10.0.0.1:80 -i -w 1 --tun-type ipip', '-a -t 1.2.3.4:80 -r 10.0.0.2:80 -i -w 2'),
    table: [svc('tcp 1.2.3.4:80 rr', '10.0.0.1:80 tunnel 1', '10.0.0.2:80 tunnel 2')],
  },
  {
    name: 'a service without real servers',
    text: saved('-A -t 1.2.3.4:80 -s sh'),
    table: [svc('tcp 1.2.3.4:80 sh')],
  },
  {
    name: 'blank lines, CRLF, blanks, a leading "ipvsadm" word and long options, as ipvsadm -R reads them',
    text: '\r\n  ipvsadm -A --tcp-service 1.2.3.4:80   --scheduler rr --persistent=600\r\n\n\t-a -t 1.2.3.4:80 --real-server 10.0.0.1:80 --masquerading --weight 3\r\n',
    table: [svc('tcp 1.2.3.4:80 rr 600', '10.0.0.1:80 masq 3')],
  },
  {
    name: "ipvsadm's defaults where a hand-written line leaves options out",
    text: saved('-A -t 1.2.3.4:80 -p', '-a -t 1.2.3.4:80 -r 10.0.0.1', '-a -t 1.2.3.4:80 -r 10.0.0.2:8080 -g'),
    // -s wlc, -p 360 (IPVS_SVC_PERSISTENT_TIMEOUT), -g, -w 1, and the service's port forced for -g.
    table: [svc('tcp 1.2.3.4:80 wlc 360', '10.0.0.1:80 route 1', '10.0.0.2:80 route 1')],
  },
  {
    name: 'foreign services kept apart, managed ones in order around them',
    text: saved(
      '-A -t 10.0.0.10:80 -s rr',
      '-a -t 10.0.0.10:80 -r 10.0.1.1:80 -g -w 1',
      '-A -f 1 -s rr',
      '-a -f 1 -r 10.0.1.2:0 -g -w 1',
      '-A -f 2 -6 -s rr',
      '-a -f 2 -6 -r [2001:db8::1]:0 -g -w 1',
      '-A -t [2001:db8::10]:80 -s rr',
      '-a -t [2001:db8::10]:80 -r [2001:db8::1]:80 -m -w 1',
      '-A --xxx-service 10.0.0.10:7 -s rr',
      '-A -t 10.0.0.11:443 -s rr -p 300 -M 255.0.255.0',
      '-A -t 10.0.0.11:5060 -s rr -p 60 --pe sip',
      '-A -u 10.0.0.11:5061 -s rr --pe sip',
      '-A -t 10.0.0.11:53 -s rr -o',
      '-A -t 10.0.0.11:80 -s wrr -b flag-1',
      '-A -t 10.0.0.11:81 -s sh -b mh-port',
      '-A -t 10.0.0.11:82 -s rr -M 255.255.255.0',
      '-A -t 10.0.0.12:80 -s twos',
      '-A -t 10.0.0.12:0 -s rr -p 300',
      '-A -u 10.0.0.10:53 -s wlc',
      '-a -u 10.0.0.10:53 -r 10.0.1.3:53 -m -w 2',
    ),
    table: [svc('tcp 10.0.0.10:80 rr', '10.0.1.1:80 route 1'), svc('fwmark 1 rr', '10.0.1.2:0 route 1'), svc('udp 10.0.0.10:53 wlc', '10.0.1.3:53 masq 2')],
    foreign: [
      'fwmark 2 ipv6',
      'tcp [2001:db8::10]:80',
      'unknown-protocol 10.0.0.10:7',
      'tcp 10.0.0.11:443',
      'tcp 10.0.0.11:5060',
      'udp 10.0.0.11:5061',
      'tcp 10.0.0.11:53',
      'tcp 10.0.0.11:80',
      'tcp 10.0.0.11:81',
      'tcp 10.0.0.11:82',
      'tcp 10.0.0.12:80',
      'tcp 10.0.0.12:0',
    ],
    reasons: {
      'fwmark 2 ipv6': 'IPv6 firewall-mark service',
      'tcp [2001:db8::10]:80': 'IPv6 service',
      'tcp 10.0.0.11:443': '-M 255.0.255.0',
      'tcp 10.0.0.11:5060': '--pe sip on a tcp service',
      'udp 10.0.0.11:5061': '--pe sip on a non-persistent udp service',
      'tcp 10.0.0.11:53': '-o on a tcp service',
      'tcp 10.0.0.11:80': '-b flag-1 with scheduler wrr',
      'tcp 10.0.0.11:81': '-b mh-port with scheduler sh',
      'tcp 10.0.0.11:82': '-M 255.255.255.0',
      'tcp 10.0.0.12:80': 'scheduler twos, which lvsplay does not know',
      'tcp 10.0.0.12:0': 'port 0 (every port)',
      'unknown-protocol 10.0.0.10:7': 'unknown protocol',
    },
  },
  {
    name: 'services made foreign by one real server lvsplay cannot represent',
    text: saved(
      '-A -t 10.0.0.10:80 -s rr',
      '-a -t 10.0.0.10:80 -r 10.0.1.1:80 -g -w 1',
      '-a -t 10.0.0.10:80 -r 10.0.1.2:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum',
      '-a -t 10.0.0.10:80 -r 10.0.1.3:80 -g -w 1',
      '-A -t 10.0.0.11:80 -s rr',
      '-a -t 10.0.0.11:80 -r 10.0.1.1:80 -i -w 1 --tun-type gre --tun-csum',
      '-A -t 10.0.0.12:80 -s rr',
      '-a -t 10.0.0.12:80 -r 10.0.1.1:80 -g -w 1 -x 100 -y 150',
      '-A -t 10.0.0.13:80 -s rr',
      '-a -t 10.0.0.13:80 -r [2001:db8::1]:80 -i -w 1',
      '-A -t 10.0.0.14:80 -s rr',
      '-a -t 10.0.0.14:80 -r 10.0.1.1:80 -g -w 1',
    ),
    table: [svc('tcp 10.0.0.14:80 rr', '10.0.1.1:80 route 1')],
    foreign: ['tcp 10.0.0.10:80', 'tcp 10.0.0.11:80', 'tcp 10.0.0.12:80', 'tcp 10.0.0.13:80'],
    reasons: {
      'tcp 10.0.0.10:80': '--tun-port 6080 on 10.0.1.2:80',
      'tcp 10.0.0.11:80': '--tun-csum on 10.0.1.1:80',
      'tcp 10.0.0.12:80': '-y 150 above -x 100 on 10.0.1.1:80',
      'tcp 10.0.0.13:80': 'IPv6 real server [2001:db8::1]',
    },
  },
  {
    // Each setting alone, so that the first one found is not the only one that makes a service foreign.
    name: 'a real server with only a lower threshold, a gue or gre tunnel alone, port 0 or a bare IPv6 address',
    text: saved(
      '-A -t 10.0.0.20:80 -s rr',
      '-a -t 10.0.0.20:80 -r 10.0.1.1:80 -g -w 1 -y 50',
      '-A -t 10.0.0.21:80 -s rr',
      '-a -t 10.0.0.21:80 -r 10.0.1.1:80 -i -w 1 --tun-type gue',
      '-A -t 10.0.0.22:80 -s rr',
      '-a -t 10.0.0.22:80 -r 10.0.1.1:80 -i -w 1 --tun-type gre',
      '-A -t 10.0.0.23:80 -s rr',
      '-a -t 10.0.0.23:80 -r 10.0.1.1:0 -m -w 1',
      '-A -t 10.0.0.24:80 -s rr',
      '-a -t 10.0.0.24:80 -r 2001:db8::2 -m -w 1',
    ),
    table: [],
    foreign: ['tcp 10.0.0.20:80', 'tcp 10.0.0.21:80', 'tcp 10.0.0.22:80', 'tcp 10.0.0.23:80', 'tcp 10.0.0.24:80'],
    reasons: {
      'tcp 10.0.0.20:80': '-y 50 above -x 0 on 10.0.1.1:80',
      'tcp 10.0.0.21:80': '--tun-type gue on 10.0.1.1:80',
      'tcp 10.0.0.22:80': '--tun-type gre on 10.0.1.1:80',
      'tcp 10.0.0.23:80': 'real server 10.0.1.1 with port 0',
      'tcp 10.0.0.24:80': 'IPv6 real server [2001:db8::2]',
    },
  },
  {
    name: 'the service options lvsplay sets (issue 14): SCTP, -M, -b, --pe sip, -o, thresholds in a rules file',
    text: saved(
      '-A -u 10.0.0.30:5060 -s sh -p 120 -M 255.255.0.0 --pe sip -o -b sh-fallback,sh-port',
      '-a -u 10.0.0.30:5060 -r 10.0.1.1:5060 -g -w 1 -x 2147483647 -y 1',
      '-A -t 10.0.0.31:80 -s mh -p 30 -M 255.255.255.128 -b mh-port,mh-fallback',
      '-a -t 10.0.0.31:80 -r 10.0.1.1:80 -g -w 1 -x 5 -y 5',
      '-a -t 10.0.0.31:80 -r 10.0.1.2:80 -g -w 2 -x 3',
      '-a -t 10.0.0.31:80 -r 10.0.1.3:80 -g -w 2 -x 0 -y 0',
      '-A --sctp-service 10.0.0.32:3868 -s wlc -p 60 -M 255.255.255.255',
      '-a --sctp-service 10.0.0.32:3868 -r 10.0.1.1:3868 -m -w 1',
      '-A -u 10.0.0.33:53 -s rr -o',
    ),
    table: [
      { ...svc('udp 10.0.0.30:5060 sh 120', '10.0.1.1:5060 route 1 2147483647 1'), netmask: '255.255.0.0' as Netmask, pe: 'sip', onePacket: true, schedFlags: ['sh-fallback', 'sh-port'] },
      { ...svc('tcp 10.0.0.31:80 mh 30', '10.0.1.1:80 route 1 5 5', '10.0.1.2:80 route 2 3', '10.0.1.3:80 route 2'), netmask: '255.255.255.128' as Netmask, schedFlags: ['mh-fallback', 'mh-port'] },
      svc('sctp 10.0.0.32:3868 wlc 60', '10.0.1.1:3868 masq 1'),
      { ...svc('udp 10.0.0.33:53 rr'), onePacket: true },
    ],
  },
  {
    // popt gives -p a value only when one follows: a switch after it is the next option.
    name: '-p followed by another switch, which keeps ipvsadm’s default timeout',
    text: saved('-A -t 1.2.3.4:80 -p -s rr'),
    table: [svc('tcp 1.2.3.4:80 rr 360')],
  },
  {
    name: 'an IPv6 service in brackets without a port',
    text: saved('-A -t [2001:db8::10] -s rr'),
    table: [],
    foreign: ['tcp [2001:db8::10]:0'],
    reasons: { 'tcp [2001:db8::10]:0': 'IPv6 service' },
  },
];

/** Text that is not ipvsadm-save output: the line number, and the reason the error gives. */
export interface ParseErrorCase {
  readonly name: string;
  readonly text: string;
  readonly line: number;
  readonly reason: string;
}

const NAT = '-A -t 172.16.10.81:80 -s wrr';

export const PARSE_ERROR_CASES: readonly ParseErrorCase[] = [
  { name: 'prose', text: saved(NAT, 'hello world'), line: 2, reason: 'hello is not an ipvsadm command' },
  { name: 'an unknown option', text: saved('-A -t 1.2.3.4:80 -s rr --bogus'), line: 1, reason: 'unknown option --bogus' },
  { name: 'a stray argument', text: saved('-A -t 1.2.3.4:80 -s rr 300'), line: 1, reason: 'unexpected argument 300' },
  {
    name: 'an -E line (ipvsadm, but never in a save)',
    text: saved('-E -t 1.2.3.4:80 -s rr'),
    line: 1,
    reason: '-E is not a line ipvsadm-save writes (only -A and -a)',
  },
  {
    name: 'a comment, which ipvsadm -R would stop at',
    text: saved('# saved by hand', NAT),
    line: 1,
    reason: '# is not an ipvsadm command',
  },
  {
    name: 'names instead of numbers (ipvsadm-save without -n)',
    text: saved('-A -t node1:http -s wrr'),
    line: 1,
    reason: 'node1 is not a numeric IPv4 address (saved without -n?)',
  },
  {
    name: 'a port name (ipvsadm-save without -n)',
    text: saved('-A -t 1.2.3.4:http -s wrr'),
    line: 1,
    reason: 'port http is not a number (saved without -n?)',
  },
  {
    name: 'a weight out of range',
    text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w 65536'),
    line: 2,
    reason: 'weight 65536 is not a whole number from 0 to 65535',
  },
  { name: 'a persistence of 0', text: saved('-A -t 1.2.3.4:80 -s rr -p 0'), line: 1, reason: 'timeout 0 is not a whole number from 1 to 2678400' },
  { name: 'an option without its value', text: saved('-A -t 1.2.3.4:80 -s'), line: 1, reason: '-s needs a value' },
  { name: 'an option twice', text: saved('-A -t 1.2.3.4:80 -s rr -s wrr'), line: 1, reason: '-s: the scheduler option is given twice' },
  {
    name: 'two forwarding methods',
    text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -g -m -w 1'),
    line: 2,
    reason: '-m: the forward option is given twice',
  },
  { name: 'no service', text: saved('-A -s rr'), line: 1, reason: '-A needs a service (-t, -u or -f)' },
  { name: 'a real server line without -r', text: saved(NAT, '-a -t 172.16.10.81:80 -m -w 1'), line: 2, reason: '-a needs -r' },
  { name: 'a real-server option on -A', text: saved('-A -t 1.2.3.4:80 -s rr -w 1'), line: 1, reason: '-w is not an option of -A' },
  { name: '-6 without -f', text: saved('-A -t 1.2.3.4:80 -6 -s rr'), line: 1, reason: '-6 is only for -f services' },
  {
    name: 'a tunnel type without -i',
    text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -g -w 1 --tun-type ipip'),
    line: 2,
    reason: '--tun-type needs -i',
  },
  {
    name: 'a real server before its service',
    text: saved('-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w 1', NAT),
    line: 1,
    reason: "a real server of tcp 172.16.10.81:80 comes before the service's -A line",
  },
  { name: 'a service twice', text: saved(NAT, NAT), line: 2, reason: 'tcp 172.16.10.81:80 is added twice' },
  {
    name: 'a real server twice',
    text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w 1', '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w 2'),
    line: 3,
    reason: 'real server 192.168.10.71:80 is added twice to tcp 172.16.10.81:80',
  },
  { name: 'a value after a switch that takes none', text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -g 5'), line: 2, reason: 'unexpected argument 5' },
  { name: 'a value given inline to a switch that takes none', text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 --gatewaying=yes'), line: 2, reason: '--gatewaying takes no value' },
  // A required value is taken whatever it looks like, so the error names the value, not a missing one.
  { name: 'a negative weight', text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w -1'), line: 2, reason: 'weight -1 is not a whole number from 0 to 65535' },
  { name: 'a weight with a trailing letter', text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w 1x'), line: 2, reason: 'weight 1x is not a whole number from 0 to 65535' },
  { name: 'a weight with a leading letter', text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -m -w x1'), line: 2, reason: 'weight x1 is not a whole number from 0 to 65535' },
  { name: 'a port with a trailing letter', text: saved('-A -t 1.2.3.4:80x -s rr'), line: 1, reason: 'port 80x is not a number (saved without -n?)' },
  { name: 'a port with a leading letter', text: saved('-A -t 1.2.3.4:x80 -s rr'), line: 1, reason: 'port x80 is not a number (saved without -n?)' },
  { name: 'a port out of range', text: saved('-A -t 1.2.3.4:65536 -s rr'), line: 1, reason: 'port 65536 is not a whole number from 0 to 65535' },
  { name: 'a firewall mark of 0', text: saved('-A -f 0 -s rr'), line: 1, reason: 'fwmark 0 is not a whole number from 1 to 4294967295' },
  { name: 'an unknown tunnel type', text: saved(NAT, '-a -t 172.16.10.81:80 -r 192.168.10.71:80 -i --tun-type vxlan'), line: 2, reason: 'unknown tunnel type vxlan' },
  { name: 'an incomplete line indented by blanks', text: `${NAT}\n   -A -t 1.2.3.4:80 -s   \n`, line: 2, reason: '-s needs a value' },
];
