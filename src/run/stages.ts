import type { RoleName } from '../inventory/model.ts';

/**
 * Roll-out order: routers first (clients must reach the cluster), then real servers (ready to answer before
 * traffic arrives), then directors (which send them traffic). A host goes with its earliest stage.
 */
export const STAGES = [
  { name: 'routers', roles: ['router'] },
  { name: 'real servers', roles: ['realserver-nat', 'realserver-dr'] },
  { name: 'directors', roles: ['director-nat', 'director-dr'] },
] as const satisfies readonly { name: string; roles: readonly RoleName[] }[];

export function stageOf(roles: readonly RoleName[]): number {
  return STAGES.findIndex((stage) => stage.roles.some((role) => roles.includes(role)));
}
