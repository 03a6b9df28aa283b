import { fwmarkItems } from './parts/fwmark.ts';
import { ipvsItems } from './parts/ipvs.ts';
import { ipvsSysctls, ipvsTimeoutItems } from './parts/ipvs-tuning.ts';
import { keepalivedItems } from './parts/keepalived.ts';
import { sysctlItems } from './parts/sysctl.ts';
import { loopbackVipItems } from './parts/loopback-vips.ts';
import type { Role } from './role.ts';

/**
 * Owns the VIP on lo:1 and answers ARP for it (so no arp_ignore here, unlike the real servers), and hands
 * each request to a real server by MAC address. A pair of directors holds the VIP through keepalived's VRRP
 * instead, which also runs the health checks of the services that have them.
 */
export const directorDr: Role = (inventory, host) => [
  ...sysctlItems('director-dr', ipvsSysctls(host)),
  ...loopbackVipItems(inventory, host),
  ...fwmarkItems(inventory, host),
  ...ipvsItems(inventory, host),
  ...ipvsTimeoutItems(host),
  ...keepalivedItems(inventory, host),
];
