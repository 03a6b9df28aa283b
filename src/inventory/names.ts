import ipaddr from 'ipaddr.js';
import { describeSpecialRange, parseIPv4, specialRangeOf } from '../net/ipv4.ts';
import { hasUnsafeCharacter } from './show.ts';

/**
 * The names an inventory gives to things lvsplay then uses as paths, SSH targets and interface names. Each
 * check returns why a name is refused, as a phrase that reads after the name ("is empty"), or undefined.
 */

/** A host's name in `hosts`: a folder of its own under render's --out, and its SSH address by default. */
const MAX_HOST_NAME = 63;
const HOST_NAME_RULE = `1 to ${MAX_HOST_NAME} letters, digits, '-', '_' or '.', starting with a letter or digit, without '..'`;
const HOST_NAME = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,${MAX_HOST_NAME - 1}}$`);

export function hostNameProblem(name: string): string | undefined {
  if (HOST_NAME.test(name) && !name.includes('..')) return undefined;
  const what = name === '' ? 'is empty' : name.length > MAX_HOST_NAME ? `is ${name.length} characters long` : 'is not a host name';
  return `${what} (${HOST_NAME_RULE}): a host's name is a folder in render's output and its default SSH address`;
}

const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// What OpenSSH reads as a pattern in known_hosts and ssh_config: `10.0.0.1,*` must never become one.
const PATTERN = /[*?!,]/;

/** Where `ssh.host` is an address: a name ssh resolves (RFC 1123) or an IP literal. */
export function sshAddressProblem(text: string): string | undefined {
  if (hasUnsafeCharacter(text)) return 'contains a control character';
  if (text.startsWith('-')) return "starts with '-', which ssh would read as an option";
  if (PATTERN.test(text)) return 'contains one of * ? ! , which known_hosts reads as a pattern, not an address';
  if (/\s/.test(text)) return 'contains white space';
  const ipv4 = parseIPv4(text);
  if (ipv4.ok) {
    const special = specialRangeOf(ipv4.value);
    return special && special.kind !== 'loopback' && special.kind !== 'link-local' ? `is ${describeSpecialRange(special)}, which no host answers SSH on` : undefined;
  }
  if (ipaddr.IPv6.isValid(text)) return undefined;
  if (text.startsWith('[')) return 'is in brackets: write an IPv6 address without them';
  // The resolver (inet_aton) reads '127.1', '10' or '0x7f000001' as an IPv4 address.
  if (ipaddr.IPv4.isValid(text)) return `is read by the resolver as the IPv4 address ${ipaddr.IPv4.parse(text).toString()}, not as a name`;
  return dnsNameProblem(text);
}

function dnsNameProblem(text: string): string | undefined {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length > 253) return 'is longer than 253 characters, which no DNS name is';
  const labels = name.split('.');
  if (!labels.every((part) => DNS_LABEL.test(part))) {
    return "is neither an IP address nor a DNS name (RFC 1123: labels of 1 to 63 letters, digits and '-', not starting or ending with '-', joined by '.')";
  }
  if (/^\d+$/.test(labels.at(-1)!)) return 'is neither an IPv4 address (four numbers from 0 to 255) nor a DNS name (whose last label is not all digits)';
  return undefined;
}

/** `ssh.user`: a POSIX-ish login name, never an option to ssh. */
const USER = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}$/;

export function sshUserProblem(user: string): string | undefined {
  return USER.test(user) ? undefined : "is not a user name (1 to 32 letters, digits, '_', '-' or '.', not starting with '-')";
}

// Linux's PATH_MAX.
const MAX_PATH = 4096;

/** `ssh.privateKey`: a file path, read locally. */
export function keyPathProblem(path: string): string | undefined {
  if (hasUnsafeCharacter(path)) return 'contains a control character, which a key file path should not';
  if (path.length > MAX_PATH) return `is longer than ${MAX_PATH} characters, which no file path is`;
  return undefined;
}

/** Linux's dev_valid_name (1 to 15 bytes, not '.' or '..', no '/', ':' or white space), kept to ASCII, and no leading '-'. */
const INTERFACE_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/;

export function interfaceNameProblem(name: string): string | undefined {
  if (INTERFACE_NAME.test(name) && name !== '.' && name !== '..') return undefined;
  return "is not a Linux interface name (1 to 15 letters, digits, '.', '_' or '-', not starting with '-', not '.' or '..')";
}
