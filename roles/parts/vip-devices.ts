import type { Vip } from '../../src/inventory/model.ts';
import type { IPv4 } from '../../src/net/ipv4.ts';
import type { ItemSpec } from '../../src/desired/state.ts';
import { renderTemplate } from '../../src/templates.ts';
import { unitFile } from './units.ts';

const IFCFG_DIR = '/etc/sysconfig/network-scripts';

/** Where a host carries VIPs that are local but never announced: a DR host's lo, a TUN real server's tunl0. */
export interface VipDevice {
  readonly device: 'lo' | 'tunl0';
  /** The template unit (`lvsplay-vip@.service`) one instance of which, per VIP, restores it at boot. */
  readonly unit: string;
}

/** Each VIP on DEVICE:N now (an address item) and at boot (ifcfg-DEVICE:N read by an instance of the unit). */
export function vipItems(vips: readonly Vip[], { device, unit }: VipDevice): ItemSpec[] {
  if (vips.length === 0) return [];
  const instance = (index: number) => unit.replace('@.', `@${index}.`);
  return [
    unitFile(unit, renderTemplate(`${unit}.hbs`, {})),
    ...vips.flatMap((vip, i): ItemSpec[] => {
      const index = i + 1;
      return [
        {
          kind: 'file',
          path: `${IFCFG_DIR}/ifcfg-${device}:${index}`,
          // The file names no service: a port added to a VIP must not rewrite it on every host that carries it.
          content: renderTemplate(`ifcfg-${device}.hbs`, { index, vip }),
          mode: 0o644,
          notify: [],
        },
        { kind: 'address', device, cidr: { address: vip as IPv4, prefix: 32 }, label: `${device}:${index}` },
        { kind: 'unit', name: instance(index), startNow: true },
      ];
    }),
  ];
}
