import type { HostPresence, RoleName } from '../inventory/model.ts';

/**
 * Roll-out order: routers first (clients must reach the cluster), then real servers (ready to answer before
 * traffic arrives), then directors (which send them traffic, and drain those leaving), then removals: hosts
 * marked absent, and what real servers no longer hold (an old VIP, its ARP settings), once no director
 * sends them traffic for it. A host goes with its earliest role's stage.
 */
export const STAGES = [
  { name: 'routers', roles: ['router'] },
  { name: 'real servers', roles: ['realserver-nat', 'realserver-dr', 'realserver-tun'] },
  { name: 'directors', roles: ['director-nat', 'director-dr'] },
  { name: 'removals', roles: [] },
] as const satisfies readonly { name: string; roles: readonly RoleName[] }[];

/** Absent hosts, and the removals real servers left for after their directors. */
export const REMOVALS_STAGE = STAGES.length - 1;
export const REAL_SERVERS_STAGE = STAGES.findIndex((stage) => stage.name === 'real servers');
export const DIRECTORS_STAGE = STAGES.findIndex((stage) => stage.name === 'directors');

export function stageOf(host: { readonly state: HostPresence }, roles: readonly RoleName[]): number {
  if (host.state === 'absent') return REMOVALS_STAGE;
  return STAGES.findIndex((stage) => (stage.roles as readonly RoleName[]).some((role) => roles.includes(role)));
}

/**
 * The directors in two waves when an address moves between them: those that free an address another
 * director claims go first, so that no two directors ever hold it (a DR VIP on two `lo`s answers ARP
 * twice). `claimedFrom` names, for each host of the second wave, the hosts it waits for.
 */
export function directorWaves<T>(
  directors: readonly T[],
  moves: (director: T) => { readonly frees: readonly string[]; readonly claims: readonly string[] },
): { readonly first: T[]; readonly second: T[]; readonly claimedFrom: Map<T, T[]> } {
  const of = new Map(directors.map((d) => [d, moves(d)]));
  const claimedFrom = new Map<T, T[]>();
  for (const claimer of directors) {
    const from = directors.filter((freer) => freer !== claimer && of.get(freer)!.frees.some((address) => of.get(claimer)!.claims.includes(address)));
    if (from.length > 0) claimedFrom.set(claimer, from);
  }
  const freers = new Set([...claimedFrom.values()].flat());
  return { first: directors.filter((d) => freers.has(d)), second: directors.filter((d) => !freers.has(d)), claimedFrom };
}
