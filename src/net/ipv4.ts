import ipaddr from 'ipaddr.js';

/** A canonical dotted-quad IPv4 address. Only `parseIPv4` makes one, so holding one means it was checked. */
export type IPv4 = string & { readonly __brand: 'IPv4' };

/** An address with its prefix length, as written on an interface: 192.168.10.81/24. */
export interface Cidr {
  readonly address: IPv4;
  readonly prefix: number;
}

/** A failure's `reason` reads after the text it is about: `'10.0.0' is not an IPv4 address`. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseIPv4(text: string): ParseResult<IPv4> {
  // ipaddr.isValid accepts '10' or '0x0a.1' (inet_aton forms); an operator means four decimal parts.
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return ipaddr.IPv6.isValid(text) ? { ok: false, reason: 'is IPv6, which lvsplay does not manage yet' } : { ok: false, reason: 'is not an IPv4 address' };
  }
  return { ok: true, value: ipaddr.IPv4.parse(text).toString() as IPv4 };
}

/** `minPrefix` refuses subnets wider than an interface plausibly has: /0 or /4 is a typo for /24. */
export function parseCidr(text: string, minPrefix = 0): ParseResult<Cidr> {
  const [addressText = '', prefixText, ...rest] = text.split('/');
  const address = parseIPv4(addressText);
  if (prefixText === undefined && address.ok) return { ok: false, reason: `has no prefix length (write it as ${address.value}/24)` };
  if (ipaddr.IPv6.isValid(addressText)) return { ok: false, reason: 'is IPv6, which lvsplay does not manage yet' };
  if (!address.ok || prefixText === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefixText)) {
    return { ok: false, reason: 'is not an IPv4 address with a prefix length, like 192.168.10.71/24' };
  }
  const prefix = Number(prefixText);
  if (prefix < minPrefix || prefix > 32) return { ok: false, reason: `has prefix length ${prefix}; it must be ${minPrefix} to 32` };
  return { ok: true, value: { address: address.value, prefix } };
}

export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

/** The network of `cidr`, e.g. 192.168.10.0/24. */
export function networkOf(cidr: Cidr): string {
  const network = ipaddr.IPv4.networkAddressFromCIDR(formatCidr(cidr));
  return `${network.toString()}/${cidr.prefix}`;
}

export function inSubnet(address: IPv4, cidr: Cidr): boolean {
  return ipaddr.IPv4.parse(address).match(ipaddr.IPv4.parse(cidr.address), cidr.prefix);
}

export function netmaskOf(prefix: number): IPv4 {
  return ipaddr.IPv4.subnetMaskFromPrefixLength(prefix).toString() as IPv4;
}

/** Address ranges no interface, gateway or VIP can use (RFC 6890); `range` is for messages. */
export interface SpecialRange {
  readonly kind: 'unspecified' | 'loopback' | 'link-local' | 'multicast' | 'broadcast' | 'reserved';
  readonly range: string;
}

// Ordered: 255.255.255.255 is in 240.0.0.0/4 too, and is named for what it is.
const SPECIAL_RANGES: readonly SpecialRange[] = [
  { kind: 'unspecified', range: '0.0.0.0/8' },
  { kind: 'loopback', range: '127.0.0.0/8' },
  { kind: 'link-local', range: '169.254.0.0/16' },
  { kind: 'multicast', range: '224.0.0.0/4' },
  { kind: 'broadcast', range: '255.255.255.255/32' },
  { kind: 'reserved', range: '240.0.0.0/4' },
];

/** "an unspecified address (0.0.0.0/8)" */
export function describeSpecialRange(special: SpecialRange): string {
  return `${special.kind === 'unspecified' ? 'an' : 'a'} ${special.kind} address (${special.range})`;
}

export function specialRangeOf(address: IPv4): SpecialRange | undefined {
  const parsed = ipaddr.IPv4.parse(address);
  return SPECIAL_RANGES.find((special) => parsed.match(ipaddr.IPv4.parseCIDR(special.range)));
}

/**
 * Whether `address` is the network or broadcast address of `cidr`'s subnet, which no host can have. A /31
 * (RFC 3021) or /32 has neither.
 */
export function subnetEdgeOf(address: IPv4, cidr: Cidr): 'network' | 'broadcast' | undefined {
  if (cidr.prefix > 30 || !inSubnet(address, cidr)) return undefined;
  if (ipaddr.IPv4.networkAddressFromCIDR(formatCidr(cidr)).toString() === address) return 'network';
  if (ipaddr.IPv4.broadcastAddressFromCIDR(formatCidr(cidr)).toString() === address) return 'broadcast';
  return undefined;
}
