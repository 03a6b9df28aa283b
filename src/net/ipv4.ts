import ipaddr from 'ipaddr.js';

/** A canonical dotted-quad IPv4 address. Only `parseIPv4` makes one, so holding one means it was checked. */
export type IPv4 = string & { readonly __brand: 'IPv4' };

/** An address with its prefix length, as written on an interface: 192.168.10.81/24. */
export interface Cidr {
  readonly address: IPv4;
  readonly prefix: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseIPv4(text: string): ParseResult<IPv4> {
  // ipaddr.isValid accepts '10' or '0x0a.1' (inet_aton forms); an operator means four decimal parts.
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return ipaddr.IPv6.isValid(text)
      ? { ok: false, reason: `${text} is IPv6, which lvsplay does not manage yet` }
      : { ok: false, reason: `${text} is not an IPv4 address` };
  }
  return { ok: true, value: ipaddr.IPv4.parse(text).toString() as IPv4 };
}

export function parseCidr(text: string): ParseResult<Cidr> {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `${text} has no prefix length (write it as ${text}/24)` };
  const address = parseIPv4(text.slice(0, slash));
  if (!address.ok) return address;
  const prefixText = text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,2}$/.test(prefixText) || prefix > 32) {
    return { ok: false, reason: `${text} has prefix length ${prefixText}; it must be 0 to 32` };
  }
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
