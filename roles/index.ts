import type { Host, Inventory, RoleName } from '../src/inventory/model.ts';
import type { DesiredItem, HostState } from '../src/desired/state.ts';
import { itemKey, sameWish } from '../src/items/registry.ts';
import { directorDr } from './director-dr.ts';
import { directorNat } from './director-nat.ts';
import { realserverDr } from './realserver-dr.ts';
import { realserverNat } from './realserver-nat.ts';
import { realserverTun } from './realserver-tun.ts';
import type { Role } from './role.ts';
import { router } from './router.ts';

export const ROLES: Readonly<Record<RoleName, Role>> = {
  router,
  'director-nat': directorNat,
  'director-dr': directorDr,
  'realserver-nat': realserverNat,
  'realserver-dr': realserverDr,
  'realserver-tun': realserverTun,
};

export class RoleConflictError extends Error {
  constructor(host: string, key: string, roles: readonly RoleName[]) {
    super(`host ${host}: roles ${roles.join(' and ')} both want ${key}, differently`);
    this.name = 'RoleConflictError';
  }
}

/**
 * What `host` should have for `roles` (all of its own by default). An item two roles want is kept once and
 * credited to both; two different wishes for one file or setting are a bug in the roles, not in the inventory.
 */
export function desiredState(inventory: Inventory, host: Host, roles: readonly RoleName[] = host.roles): HostState {
  // Leaving the cluster: nothing is wanted there any more, so all its manifest records is undone.
  if (host.state === 'absent') return { host, roles: [], items: [] };
  const byKey = new Map<string, DesiredItem>();
  const selected = host.roles.filter((r) => roles.includes(r));
  for (const role of selected) {
    for (const spec of ROLES[role](inventory, host)) {
      const key = itemKey(spec);
      const existing = byKey.get(key);
      if (!existing) {
        byKey.set(key, { ...spec, roles: [role] });
        continue;
      }
      const { roles: earlierRoles, ...earlier } = existing;
      if (!sameWish(earlier, spec)) throw new RoleConflictError(host.name, key, [...earlierRoles, role]);
      byKey.set(key, { ...existing, roles: [...earlierRoles, role] });
    }
  }
  return { host, roles: selected, items: [...byKey.values()] };
}
