import { formatCidr } from '../src/net/ipv4.ts';
import type { ItemSpec } from '../src/desired/state.ts';
import { renderTemplate } from '../src/templates.ts';
import { sysctlItems } from './parts/sysctl.ts';
import { unitFile } from './parts/units.ts';
import type { Role } from './role.ts';

const ADDRESSES_UNIT = 'lvsplay-addresses.service';

/** Forwards between the client network and the cluster's, and carries extra addresses (seed 4.3). */
export const router: Role = (_inventory, host) => {
  const addresses = host.extraAddresses.flatMap((i) => i.addresses.map((cidr) => ({ device: i.name, cidr })));
  const addressItems: ItemSpec[] =
    addresses.length === 0
      ? []
      : [
          unitFile(
            ADDRESSES_UNIT,
            renderTemplate('lvsplay-addresses.service.hbs', {
              addresses: addresses.map(({ device, cidr }) => ({ device, cidr: formatCidr(cidr) })),
            }),
          ),
          ...addresses.map(({ device, cidr }): ItemSpec => ({ kind: 'address', device, cidr })),
          { kind: 'unit', name: ADDRESSES_UNIT, startNow: true },
        ];
  return [...sysctlItems('router', { 'net.ipv4.ip_forward': '1' }), ...addressItems];
};
