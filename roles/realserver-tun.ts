import { sysctlItems } from './parts/sysctl.ts';
import { tunnelVipItems } from './parts/tunnel-vips.ts';
import type { Role } from './role.ts';

// The director's packets arrive inside IP-in-IP on tunl0 with the client's address as their source, which the
// host routes out of another interface: reverse-path filtering would drop them. The kernel filters with the
// larger of conf/all and the interface's own value, so tunl0 is set to 0 and all to 0, which leaves every
// other interface to its own setting. No answer to ARP for the VIP, as on a DR real server: a TUN real server
// may share the director's segment.
const TUN_SETTINGS = {
  'net.ipv4.conf.all.arp_ignore': '1',
  'net.ipv4.conf.all.arp_announce': '2',
  'net.ipv4.conf.all.rp_filter': '0',
  'net.ipv4.conf.tunl0.rp_filter': '0',
};

/** Serves the VIP from tunl0:N, receiving the director's IP-in-IP packets, without claiming it on the network. */
export const realserverTun: Role = (inventory, host) => [...sysctlItems('realserver-tun', TUN_SETTINGS), ...tunnelVipItems(inventory, host)];
