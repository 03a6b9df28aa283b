import { directs, type Host, type Inventory, type Vip } from '../../src/inventory/model.ts';
import type { IPv4 } from '../../src/net/ipv4.ts';
import type { ItemSpec } from '../../src/desired/state.ts';
import { renderTemplate } from '../../src/templates.ts';
import { unitFile } from './units.ts';

const IFCFG_DIR = '/etc/sysconfig/network-scripts';

/**
 * The DR VIPs this host carries on lo, as a director or as a real server. Both roles compute the same list,
 * so a host playing both gets each VIP once, always on the same lo:N label. A pair of directors does not:
 * VRRP (keepalived) holds the VIP on one of them at a time, on its DIP's interface.
 */
export function drVipsOf(inventory: Inventory, host: Host): Vip[] {
  const vips = new Set<Vip>();
  for (const service of inventory.services) {
    if (service.forwarding !== 'dr') continue;
    const carries = (directs(service, host.name) && !service.failover) || service.realServers.some((rs) => rs.host === host.name);
    if (carries) vips.add(service.vip);
  }
  return [...vips];
}

/** Each VIP on lo:N now (an address item) and at boot (ifcfg-lo:N read by an instance of lvsplay-vip@). */
export function loopbackVipItems(inventory: Inventory, host: Host): ItemSpec[] {
  const vips = drVipsOf(inventory, host);
  if (vips.length === 0) return [];
  return [
    unitFile('lvsplay-vip@.service', renderTemplate('lvsplay-vip@.service.hbs', {})),
    ...vips.flatMap((vip, i): ItemSpec[] => {
      const index = i + 1;
      return [
        {
          kind: 'file',
          path: `${IFCFG_DIR}/ifcfg-lo:${index}`,
          // The file names no service: a port added to a VIP must not rewrite it on every host that carries it.
          content: renderTemplate('ifcfg-lo.hbs', { index, vip }),
          mode: 0o644,
          notify: [],
        },
        { kind: 'address', device: 'lo', cidr: { address: vip as IPv4, prefix: 32 }, label: `lo:${index}` },
        { kind: 'unit', name: `lvsplay-vip@${index}.service`, startNow: true },
      ];
    }),
  ];
}
