export { defineInventory, ROLE_NAMES, SCHEDULERS, PROTOCOLS, FORWARDING_METHODS } from './inventory/input.ts';
export type {
  InventoryInput,
  HostInput,
  ServiceInput,
  RealServerInput,
  SshInput,
  BecomeInput,
  RoleName,
  Scheduler,
  Protocol,
  ForwardingMethod,
} from './inventory/input.ts';
