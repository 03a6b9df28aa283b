import type { Host, Inventory } from '../src/inventory/model.ts';
import type { ItemSpec } from '../src/desired/state.ts';

/** A role is pure: the checked inventory and one of its hosts in, what that host should have out. No SSH. */
export type Role = (inventory: Inventory, host: Host) => ItemSpec[];
