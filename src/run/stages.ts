import type { HostPresence, RoleName } from '../inventory/model.ts';

/**
 * Roll-out order: routers first (clients must reach the cluster), then real servers (ready to answer before
 * traffic arrives), then directors (which send them traffic, and drain those leaving), then hosts marked
 * absent (emptied once no director sends them traffic). A host goes with its earliest role's stage.
 */
export const STAGES = [
  { name: 'routers', roles: ['router'] },
  { name: 'real servers', roles: ['realserver-nat', 'realserver-dr'] },
  { name: 'directors', roles: ['director-nat', 'director-dr'] },
  { name: 'absent hosts', roles: [] },
] as const satisfies readonly { name: string; roles: readonly RoleName[] }[];

const ABSENT_STAGE = STAGES.length - 1;

export function stageOf(host: { readonly state: HostPresence }, roles: readonly RoleName[]): number {
  if (host.state === 'absent') return ABSENT_STAGE;
  return STAGES.findIndex((stage) => (stage.roles as readonly RoleName[]).some((role) => roles.includes(role)));
}
