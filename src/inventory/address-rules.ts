import { describeSpecialRange, formatCidr, networkOf, specialRangeOf, subnetEdgeOf, type Cidr, type IPv4, type SpecialRange } from '../net/ipv4.ts';

/** What an inventory address is for; each use refuses the ranges it cannot work with. */
export type AddressUse = 'vip' | 'interface' | 'gateway' | 'dip';

/** Below this, an interface's prefix is a typo (/2 for /24), not a subnet of 2^24 hosts and more. */
export const MIN_INTERFACE_PREFIX = 8;

const USE_TEXT: Record<AddressUse, string> = {
  vip: 'a VIP',
  interface: "a host's interface address",
  gateway: 'a gateway',
  dip: 'a DIP',
};

// Link-local works within one link (a host's own address, a gateway such as 169.254.1.1); a VIP must be
// reachable by clients from elsewhere.
const WORKS_AS: Record<AddressUse, readonly SpecialRange['kind'][]> = {
  vip: [],
  interface: ['link-local'],
  gateway: ['link-local'],
  dip: ['link-local'],
};

export function addressProblem(address: IPv4, use: AddressUse): string | undefined {
  const special = specialRangeOf(address);
  if (!special || WORKS_AS[use].includes(special.kind)) return undefined;
  return `${address} is ${describeSpecialRange(special)}, which cannot be ${USE_TEXT[use]}`;
}

/** An address a host has on an interface: a usable address, and not its subnet's network or broadcast address. */
export function interfaceAddressProblem(cidr: Cidr): string | undefined {
  const edge = subnetEdgeOf(cidr.address, cidr);
  if (edge) return `${formatCidr(cidr)} is the ${edge} address of ${networkOf(cidr)}, which no host can have`;
  return addressProblem(cidr.address, 'interface');
}
