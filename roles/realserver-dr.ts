import { loopbackVipItems } from './parts/loopback-vips.ts';
import { sysctlItems } from './parts/sysctl.ts';
import type { Role } from './role.ts';

// The kernel uses the larger of conf/all and the interface's own value, so `all` must be set, and `lo`
// for the VIP itself: the real server accepts packets for the VIP but never answers ARP for it.
const ARP_SETTINGS = {
  'net.ipv4.conf.all.arp_ignore': '1',
  'net.ipv4.conf.all.arp_announce': '2',
  'net.ipv4.conf.lo.arp_ignore': '1',
  'net.ipv4.conf.lo.arp_announce': '2',
};

/** Serves the VIP from lo:1 without claiming it on the network. The sysctls come first: see lvsplay-vip@. */
export const realserverDr: Role = (inventory, host) => [...sysctlItems('realserver-dr', ARP_SETTINGS), ...loopbackVipItems(inventory, host)];
