import { directs, type Inventory } from '../inventory/model.ts';
import { destinationKey, destinationOf, serviceIdOf, serviceKey } from '../ipvs/table.ts';
import type { HostPlan } from '../plan/plan.ts';

/** A real server a director's plan would add to a service, left out because its own host failed in this run. */
export interface WithheldRealServer {
  readonly service: string;
  readonly host: string;
  /** `192.168.10.72:80`. */
  readonly destination: string;
}

/**
 * The real servers a director's plan adds whose hosts failed earlier in this run (unreachable, or their VIP
 * not read back): sent traffic now, a share of clients would reach a host that may not hold the VIP. Real
 * servers already in the table stay as they are: the run did not put them there, and cannot tell they broke.
 */
export function withheldRealServers(inventory: Inventory, director: string, plan: HostPlan, failed: ReadonlySet<string>): WithheldRealServer[] {
  const ipvs = plan.items.find((item) => item.kind === 'ipvs');
  const added = new Set(
    (ipvs?.kind === 'ipvs' ? (ipvs.ipvsChanges ?? []) : []).flatMap((change) => (change.op === 'add-destination' ? [`${serviceKey(change.service)} ${destinationKey(change.destination)}`] : [])),
  );
  return inventory.services
    .filter((service) => directs(service, director))
    .flatMap((service) =>
      service.realServers
        .filter((rs) => failed.has(rs.host) && added.has(`${serviceKey(serviceIdOf(service))} ${destinationKey(destinationOf(service, rs))}`))
        .map((rs) => ({ service: serviceKey(serviceIdOf(service)), host: rs.host, destination: destinationKey(destinationOf(service, rs)) })),
    );
}

/** The inventory as this director is to be planned again: the withheld real servers left out of its services. */
export function inventoryWithout(inventory: Inventory, director: string, withheld: readonly WithheldRealServer[]): Inventory {
  const left = new Set(withheld.map((w) => `${w.service} ${w.destination}`));
  return {
    ...inventory,
    services: inventory.services.map((service) =>
      directs(service, director)
        ? { ...service, realServers: service.realServers.filter((rs) => !left.has(`${serviceKey(serviceIdOf(service))} ${destinationKey(destinationOf(service, rs))}`)) }
        : service,
    ),
  };
}

export function describeWithheld(w: WithheldRealServer): string {
  return `${w.destination} (${w.host}) not added to ${w.service}: ${w.host} failed earlier in this run`;
}
