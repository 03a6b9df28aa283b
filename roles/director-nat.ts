import { fwmarkItems } from './parts/fwmark.ts';
import { ipvsItems } from './parts/ipvs.ts';
import { ipvsSysctls, ipvsTimeoutItems } from './parts/ipvs-tuning.ts';
import { keepalivedItems } from './parts/keepalived.ts';
import { sysctlItems } from './parts/sysctl.ts';
import type { Role } from './role.ts';

/**
 * Rewrites each request to a real server and each reply back, so it must forward between its networks.
 * keepalived runs the health checks of the services that have them.
 */
export const directorNat: Role = (inventory, host) => [
  ...sysctlItems('director-nat', { 'net.ipv4.ip_forward': '1', ...ipvsSysctls(host) }),
  ...fwmarkItems(inventory, host),
  ...ipvsItems(inventory, host),
  ...ipvsTimeoutItems(host),
  ...keepalivedItems(inventory, host),
];
