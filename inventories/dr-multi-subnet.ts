// Seed 4.3, LVS-DR with the VIP on another subnet: 4.2 as it is, but the VIP 172.16.10.81 is not on the
// hosts' network, so the router gets 172.16.10.84/24 as a second address on eth0 to reach it.
import { defineInventory } from 'lvsplay';
import dr from './dr.ts';

export default defineInventory({
  ...dr,
  hosts: {
    ...dr.hosts,
    router: { ...dr.hosts.router, extraAddresses: { eth0: '172.16.10.84/24' } },
  },
  services: [{ ...dr.services[0], vip: '172.16.10.81', scheduler: 'wrr' }],
});
