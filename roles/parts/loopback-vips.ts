import { directs, type Host, type Inventory, type Vip } from '../../src/inventory/model.ts';
import type { ItemSpec } from '../../src/desired/state.ts';
import { vipItems } from './vip-devices.ts';

/**
 * The VIPs this host carries on lo: as the director of a DR or TUN service, or as a DR real server. Both
 * roles compute the same list, so a host playing both gets each VIP once, always on the same lo:N label. A
 * pair of directors does not: VRRP (keepalived) holds the VIP on one of them at a time, on its DIP's interface.
 */
export function drVipsOf(inventory: Inventory, host: Host): Vip[] {
  const vips = new Set<Vip>();
  for (const service of inventory.services) {
    const directed = service.forwarding !== 'nat' && directs(service, host.name) && !service.failover;
    const served = service.forwarding === 'dr' && service.realServers.some((rs) => rs.host === host.name);
    if (directed || served) vips.add(service.vip);
  }
  return [...vips];
}

/** Each VIP on lo:N now and at boot. */
export function loopbackVipItems(inventory: Inventory, host: Host): ItemSpec[] {
  return vipItems(drVipsOf(inventory, host), { device: 'lo', unit: 'lvsplay-vip@.service' });
}
