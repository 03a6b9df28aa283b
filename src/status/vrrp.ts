import type { VrrpFacts } from '../facts/vrrp.ts';
import type { IPv4 } from '../net/ipv4.ts';
import type { VrrpView } from './view.ts';

/**
 * Which part of VRRP a director of a pair plays, by which of `vips` (its instances' addresses) it holds (why the
 * addresses tell, and not keepalived: `VrrpView`). On any interface: Linux answers ARP for a local address
 * on every interface by default (a director keeps arp_ignore 0), so a VIP held anywhere draws the clients.
 */
export function vrrpView(vips: readonly IPv4[], reading: VrrpFacts): VrrpView {
  const live = new Set<string>(reading.addresses.map((a) => a.cidr.address));
  const held = vips.filter((vip) => live.has(vip));
  const missing = vips.filter((vip) => !live.has(vip));
  if (reading.keepalived === 'not-active') return { state: 'STOPPED', vips: held };
  if (missing.length === 0) return { state: 'MASTER', vips: held };
  if (held.length === 0) return { state: 'BACKUP', vips: [] };
  return { state: 'PARTIAL', vips: held, missing };
}
