import type { Protocol } from '../inventory/model.ts';
import type { IPv4 } from '../net/ipv4.ts';
import type { IpvsService, IpvsTable } from './table.ts';

/**
 * The table in the order `ipvsadm-save -n` prints it, so that the rules file lvsplay writes is byte for byte
 * what the host prints for the same live table, and a steady-state run can tell the two equal by their hash.
 *
 * ipvsadm 1.31 (ipvsadm.c list_all and print_service_entry, unless --nosort, which ipvsadm-save never passes)
 * qsorts the services with libipvs.c's ipvs_cmp_services (fwmark, family, protocol number, then
 * `ntohl(addr1) - ntohl(addr2)` kept in an int, then the port), and each service's real servers with
 * ipvs_cmp_dests (that address difference, then the port). The address difference wraps: where the addresses
 * compared span half the address space or more (10.x beside 192.168.x), it is no order at all, and what
 * ipvsadm prints depends on the kernel's hash order. The file then cannot match the host's text, and the
 * facts take their full path: slower, still correct.
 */
export function inSaveOrder(table: IpvsTable): IpvsService[] {
  return sortedLikeIpvsadm(
    table,
    (service) => service.vip ?? NO_ADDRESS,
    (service) => service.port ?? 0,
    byMarkThenProtocol,
  ).map((service) => ({
    ...service,
    destinations: sortedLikeIpvsadm(
      service.destinations,
      (destination) => destination.address,
      (destination) => destination.port,
    ),
  }));
}

/** A firewall-mark service's address and port, as the kernel keeps them: zero. */
const NO_ADDRESS = '0.0.0.0' as IPv4;

/** IPPROTO_TCP, IPPROTO_UDP and IPPROTO_SCTP: the kernel's protocol numbers, which ipvs_cmp_services subtracts. */
const PROTOCOL_NUMBER: Readonly<Record<Protocol, number>> = { tcp: 6, udp: 17, sctp: 132 };

/**
 * ipvs_cmp_services' first keys: the mark (0 for an address service, so those come before every mark below
 * 2^31; an int difference of unsigned marks, wrapped as C wraps it), then the protocol (lvsplay's services are IPv4: the family is
 * always equal). Marks are unique on a director, so a mark service's protocol never decides.
 */
function byMarkThenProtocol(a: IpvsService, b: IpvsService): number {
  return ((a.fwmark ?? 0) - (b.fwmark ?? 0)) | 0 || protocolNumber(a) - protocolNumber(b);
}

function protocolNumber(service: IpvsService): number {
  return service.protocol === undefined ? 0 : PROTOCOL_NUMBER[service.protocol];
}

/**
 * `items` by `first`, then by address as C's `int r = ntohl(a) - ntohl(b)` compares them (the unsigned
 * difference wrapped to 32 bits), then by port. Each address is converted once: 22,000 real servers.
 */
function sortedLikeIpvsadm<T>(items: readonly T[], address: (item: T) => IPv4, port: (item: T) => number, first: (a: T, b: T) => number = () => 0): T[] {
  return items
    .map((item) => ({ item, address: hostOrder(address(item)), port: port(item) }))
    .sort((a, b) => first(a.item, b.item) || (a.address - b.address) | 0 || a.port - b.port)
    .map(({ item }) => item);
}

function hostOrder(address: IPv4): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}
