// Names and addresses of a fleet: pure, so that they are unit-tested and the same in every run.
//
// The whole test network lives in a network namespace of its own, so the range only has to be private
// and unlike the host's: the host never sees it. One /16, the bridge first, a few addresses kept for
// what is not a container (an absent director, a VIP), then the containers from .1.1 on.

export interface FleetNetwork {
  /** The bridge's address with prefix, e.g. 10.213.0.1/16: the only non-container address on the wire. */
  readonly bridge: string;
  readonly prefix: number;
  /** Kept free for callers: never given to a container nor the bridge (e.g. a director, a VIP). */
  readonly spare: readonly string[];
}

export interface FleetSlot {
  readonly name: string;
  readonly address: string;
}

export const DEFAULT_BASE = '10.213.0.0';
const PREFIX = 16;
/** Containers start at x.y.1.1; x.y.0.0/24 is the bridge's and the spares'. */
const FIRST_HOST_THIRD_OCTET = 1;
/** .1 to .250 of each /24: a host part of .0 or .255 would look odd to a human reading the inventory. */
const PER_BLOCK = 250;
export const MAX_FLEET = (255 - FIRST_HOST_THIRD_OCTET) * PER_BLOCK;

export function fleetNetwork(base: string = DEFAULT_BASE): FleetNetwork {
  const [a, b] = octets(base);
  return {
    bridge: `${a}.${b}.0.1/${PREFIX}`,
    prefix: PREFIX,
    spare: Array.from({ length: 8 }, (_, i) => `${a}.${b}.0.${i + 2}`),
  };
}

/** `c001`, `c002`…: short, since nspawn names each container's veth after it (15 bytes at most). */
export function containerName(index: number, width: number): string {
  return `c${String(index + 1).padStart(width, '0')}`;
}

/** The n containers' names and addresses, in order. */
export function fleetSlots(n: number, base: string = DEFAULT_BASE): FleetSlot[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`a fleet has 1 container or more, got ${n}`);
  if (n > MAX_FLEET) throw new RangeError(`a fleet has at most ${MAX_FLEET} containers, got ${n}`);
  const [a, b] = octets(base);
  const width = Math.max(3, String(n).length);
  return Array.from({ length: n }, (_, i) => ({
    name: containerName(i, width),
    address: `${a}.${b}.${FIRST_HOST_THIRD_OCTET + Math.floor(i / PER_BLOCK)}.${(i % PER_BLOCK) + 1}`,
  }));
}

function octets(base: string): [number, number] {
  const parts = base.split('.').map(Number);
  const [a, b, c, d] = parts;
  const valid = parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) && c === 0 && d === 0;
  if (!valid || a === undefined || b === undefined) throw new RangeError(`the fleet's base must be a /16 network address like 10.213.0.0, got '${base}'`);
  const isPrivate = a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  if (!isPrivate) throw new RangeError(`the fleet's base must be a private range (10/8, 172.16/12, 192.168/16), got '${base}'`);
  return [a, b];
}
