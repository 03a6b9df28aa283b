import type { Host, Inventory, Vip } from '../../src/inventory/model.ts';
import type { ItemSpec } from '../../src/desired/state.ts';
import { vipItems } from './vip-devices.ts';

/** The VIPs of the TUN services this host is a real server of. */
export function tunVipsOf(inventory: Inventory, host: Host): Vip[] {
  const served = inventory.services.filter((service) => service.forwarding === 'tun' && service.realServers.some((rs) => rs.host === host.name));
  return [...new Set(served.map((service) => service.vip))];
}

/**
 * ipip loaded now and at boot (it creates tunl0, which receives the IP-in-IP packets of every director), tunl0
 * up, and each VIP on tunl0:N now and at boot.
 */
export function tunnelVipItems(inventory: Inventory, host: Host): ItemSpec[] {
  const vips = tunVipsOf(inventory, host);
  if (vips.length === 0) return [];
  return [
    // Loaded at boot by systemd-modules-load, before systemd-sysctl, so that tunl0's settings exist to be set.
    { kind: 'file', path: '/etc/modules-load.d/lvsplay-tun.conf', content: '# Managed by lvsplay: IP-in-IP, whose tunl0 receives LVS-TUN packets.\nipip\n', mode: 0o644, notify: [] },
    { kind: 'module', name: 'ipip' },
    { kind: 'link', device: 'tunl0' },
    ...vipItems(vips, { device: 'tunl0', unit: 'lvsplay-tunl-vip@.service' }),
  ];
}
