import { ROLE_NAMES } from './inventory/input.ts';
import type { Host, Inventory, RoleName } from './inventory/model.ts';

export class SelectionError extends Error {
  override name = 'SelectionError';
}

export interface Selection {
  /** `--role`: only these roles' items; empty means every role. */
  readonly roles: readonly string[];
  /** `--limit`: only these hosts; empty means every host. */
  readonly limits: readonly string[];
}

export interface SelectedHost {
  readonly host: Host;
  readonly roles: readonly RoleName[];
}

/** The hosts a command acts on and the roles it applies on each, as `--role` and `--limit` narrow them. */
export function selectHosts(inventory: Inventory, selection: Selection): SelectedHost[] {
  const names = inventory.hosts.map((h) => h.name);
  const unknownHosts = selection.limits.filter((name) => !names.includes(name));
  if (unknownHosts.length > 0) {
    throw new SelectionError(`--limit ${unknownHosts.join(', ')}: no such host in ${inventory.file} (hosts: ${names.join(', ')})`);
  }
  const unknownRoles = selection.roles.filter((role) => !(ROLE_NAMES as readonly string[]).includes(role));
  if (unknownRoles.length > 0) {
    throw new SelectionError(`--role ${unknownRoles.join(', ')}: no such role (roles: ${ROLE_NAMES.join(', ')})`);
  }
  const selected = inventory.hosts
    .filter((host) => selection.limits.length === 0 || selection.limits.includes(host.name))
    .map((host) => ({
      host,
      roles: host.roles.filter((role) => selection.roles.length === 0 || selection.roles.includes(role)),
    }))
    // An absent host has nothing to apply, only what it recorded to undo: a `--role` run removes nothing, so skips it.
    .filter(({ host, roles }) => (host.state === 'absent' ? selection.roles.length === 0 : roles.length > 0));
  if (selected.length === 0) throw new SelectionError('--role and --limit together select no host');
  return selected;
}
