/** Addresses and numbers as ipvsadm writes and reads them. */
import { parseIPv4, type IPv4 } from '../net/ipv4.ts';
import { IpvsSyntaxError } from './options.ts';

export interface Endpoint {
  /** As it goes into a key: the canonical IPv4 address, or the IPv6 one in brackets. */
  readonly host: string;
  readonly address?: IPv4;
  readonly port?: number;
}

/** `192.168.10.71:80`, `[2001:db8::1]:80`, or a bare address (ipvsadm then chooses the port). */
export function readEndpoint(text: string): Endpoint {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) return { host: `[${bracketed[1]}]`, ...readPort(bracketed[2]) };
  if ((text.match(/:/g) ?? []).length > 1) return { host: `[${text}]` };
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  const address = readIPv4(host);
  return { host: address, address, ...readPort(colon < 0 ? undefined : text.slice(colon + 1)) };
}

/** ipvsadm-save -n prints canonical dotted quads (inet_ntop); taking those as they are saves most of the time. */
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function readIPv4(text: string): IPv4 {
  if (CANONICAL_IPV4.test(text)) return text as IPv4;
  const address = parseIPv4(text);
  if (!address.ok) throw new IpvsSyntaxError(`${text} is not a numeric IPv4 address (saved without -n?)`);
  return address.value;
}

function readPort(text: string | undefined): { port?: number } {
  if (text === undefined) return {};
  if (!/^\d+$/.test(text)) throw new IpvsSyntaxError(`port ${text} is not a number (saved without -n?)`);
  return { port: readInteger(text, 0, 65535, 'port') };
}

export function readInteger(text: string, min: number, max: number, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new IpvsSyntaxError(`${what} ${text} is not a whole number from ${min} to ${max}`);
  }
  return value;
}
