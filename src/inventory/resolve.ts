import { formatCidr, inSubnet, networkOf, subnetEdgeOf, type Cidr, type IPv4 } from '../net/ipv4.ts';
import type { IssueList } from './issues.ts';
import { listed, show } from './show.ts';
import type { ForwardingMethod, Host, Inventory, RealServer, RoleName, VirtualService, Vip } from './model.ts';
import type { Draft, DraftRealServer, DraftService } from './parse.ts';

const DIRECTOR_ROLE: Record<ForwardingMethod, RoleName> = { nat: 'director-nat', dr: 'director-dr' };
const REAL_SERVER_ROLE: Record<ForwardingMethod, RoleName> = { nat: 'realserver-nat', dr: 'realserver-dr' };

interface OwnedAddress {
  readonly host: Host;
  readonly field: string;
  readonly cidr: Cidr;
}

/** Resolves names to hosts and addresses, and checks every rule that relates hosts and services. */
export function resolveInventory(file: string, draft: Draft, issues: IssueList): Inventory {
  const hosts = new Map(draft.hosts.map((host) => [host.name, host]));
  const owned = ownedAddresses(draft.hosts);
  checkDuplicateAddresses(owned, issues);
  for (const host of draft.hosts) checkHostFields(host, owned, issues);
  const dips = resolveDips(draft, issues);
  const services = draft.services.flatMap((service) => {
    const resolved = resolveService(service, hosts, dips, owned, issues);
    return resolved ? [resolved] : [];
  });
  checkDuplicateServices(services, draft.services, issues);
  // Only on an otherwise sound inventory: a service dropped for another fault would make a role look unused.
  if (issues.items.length === 0) checkUnusedRoles(draft.hosts, services, issues);
  return { file, hosts: draft.hosts, services };
}

function ownedAddresses(hosts: readonly Host[]): OwnedAddress[] {
  return hosts.flatMap((host) => [
    ...host.interfaces.flatMap((i) => i.addresses.map((cidr) => ({ host, field: `interfaces.${i.name}`, cidr }))),
    ...host.extraAddresses.flatMap((i) => i.addresses.map((cidr) => ({ host, field: `extraAddresses.${i.name}`, cidr }))),
  ]);
}

function checkDuplicateAddresses(owned: readonly OwnedAddress[], issues: IssueList): void {
  const first = new Map<IPv4, OwnedAddress>();
  for (const entry of owned) {
    const earlier = first.get(entry.cidr.address);
    if (!earlier) {
      first.set(entry.cidr.address, entry);
      continue;
    }
    const whose = earlier.host === entry.host ? 'also' : `also host ${earlier.host.name}'s address`;
    issues.add(`host ${entry.host.name}`, entry.field, `${entry.cidr.address} is ${whose} (${earlier.field}): each address must belong to one host`);
  }
}

function checkHostFields(host: Host, owned: readonly OwnedAddress[], issues: IssueList): void {
  const subject = `host ${host.name}`;
  const isDirector = host.roles.some((role) => role.startsWith('director-'));
  if (host.dip && !isDirector) issues.add(subject, 'dip', 'is only for hosts with a director-nat or director-dr role');
  if (host.extraAddresses.length > 0 && !host.roles.includes('router')) {
    issues.add(subject, 'extraAddresses', 'are added by the router role, and this host has no router role');
  }
  if (host.gateway) {
    const problem = gatewayProblem(host, host.gateway, owned);
    if (problem) issues.add(subject, 'gateway', problem);
  }
}

// The gateway is another host on one of this host's subnets: not the host itself, nor a subnet's edge.
function gatewayProblem(host: Host, gateway: IPv4, owned: readonly OwnedAddress[]): string | undefined {
  const own = owned.find((entry) => entry.host === host && entry.cidr.address === gateway);
  if (own) return `${gateway} is ${host.name}'s own address (${own.field}): a gateway is another host on its subnet`;
  const subnets = host.interfaces.flatMap((i) => i.addresses);
  const subnet = subnets.find((cidr) => inSubnet(gateway, cidr));
  if (!subnet) return `${gateway} is on none of ${host.name}'s subnets (${listed(subnets.map(networkOf))})`;
  const edge = subnetEdgeOf(gateway, subnet);
  return edge && `${gateway} is the ${edge} address of ${networkOf(subnet)}, which no gateway can have`;
}

/** A director's DIP: its `dip`, or else its only interface address that is not one of its VIPs. */
function resolveDips(draft: Draft, issues: IssueList): Map<string, Cidr> {
  const dips = new Map<string, Cidr>();
  for (const host of draft.hosts) {
    if (host.state === 'absent' || !host.roles.some((role) => role.startsWith('director-'))) continue;
    const subject = `host ${host.name}`;
    const own = host.interfaces.flatMap((i) => i.addresses);
    const vips = new Set(draft.services.filter((s) => s.director === host.name).map((s) => s.vip));
    if (host.dip) {
      const cidr = own.find((c) => c.address === host.dip);
      if (cidr) dips.set(host.name, cidr);
      else issues.add(subject, 'dip', `${host.dip} is not an address on ${host.name}'s interfaces (${listed(own.map(formatCidr))})`);
      continue;
    }
    const candidates = own.filter((c) => !vips.has(c.address));
    // A NAT VIP missing from the director leaves its outside address looking like a DIP: the service says why.
    const misplacedNatVip = host.roles.includes('director-nat') && [...vips].some((vip) => !own.some((c) => c.address === vip));
    if (candidates.length > 1 && misplacedNatVip) continue;
    if (candidates.length === 1) dips.set(host.name, candidates[0]!);
    else if (candidates.length === 0) issues.add(subject, 'interfaces', `${host.name} has no address to use as its DIP besides its VIPs`);
    else issues.add(subject, 'dip', `is required: ${host.name} has several addresses that could be the DIP (${listed(candidates.map(formatCidr))})`);
  }
  return dips;
}

function resolveService(draft: DraftService, hosts: ReadonlyMap<string, Host>, dips: ReadonlyMap<string, Cidr>, owned: readonly OwnedAddress[], issues: IssueList): VirtualService | undefined {
  const problem = (field: string, message: string): undefined => issues.add(draft.subject, field, message);
  const director = hosts.get(draft.director);
  if (!director) return problem('director', `${show(draft.director)} is not a host in this inventory`);
  if (director.state === 'absent') {
    return problem('director', `host ${director.name} is marked state: 'absent': remove this service, or give it a director that stays`);
  }
  const forwarding = forwardingOf(draft, director, problem);
  if (!forwarding) return undefined;
  if (!checkVipPlacement(draft, forwarding, director, owned, problem)) return undefined;
  const dip = dips.get(director.name);
  if (!dip) return undefined; // resolveDips has said why
  // An absent host listed here is leaving: its director drains it and deletes it, as if it were not listed.
  const staying = draft.realServers.filter((rs) => hosts.get(rs.host)?.state !== 'absent');
  const realServers = staying.map((rs) => resolveRealServer(draft, rs, forwarding, director, dip, hosts, issues));
  if (!realServers.every((rs) => rs !== undefined)) return undefined;
  checkDuplicateRealServers(draft, staying, realServers, issues);
  const { subject: _subject, realServers: _drafts, ...fields } = draft;
  return { ...fields, vip: draft.vip as Vip, forwarding, realServers };
}

function forwardingOf(draft: DraftService, director: Host, problem: (field: string, message: string) => undefined): ForwardingMethod | undefined {
  const methods = (['nat', 'dr'] as const).filter((method) => director.roles.includes(DIRECTOR_ROLE[method]));
  if (methods.length === 0) return problem('director', `host ${director.name} has no director-nat or director-dr role`);
  if (draft.forwarding === undefined) {
    if (methods.length === 1) return methods[0];
    return problem('forwarding', `is required: director ${director.name} plays both director-nat and director-dr`);
  }
  if (!methods.includes(draft.forwarding)) {
    return problem('forwarding', `is ${draft.forwarding}, but director ${director.name} has no ${DIRECTOR_ROLE[draft.forwarding]} role`);
  }
  return draft.forwarding;
}

// NAT: clients reach the VIP on the director's outside interface. DR: the VIP sits on lo:1 of the director
// and every real server, so no host may own it on a real interface.
function checkVipPlacement(draft: DraftService, forwarding: ForwardingMethod, director: Host, owned: readonly OwnedAddress[], problem: (field: string, message: string) => undefined): boolean {
  const owner = owned.find((entry) => entry.cidr.address === draft.vip);
  if (forwarding === 'nat' && owner?.host !== director) {
    problem('vip', `${draft.vip} is not an address on director ${director.name}'s interfaces: a NAT VIP lives on the director's outside interface`);
    return false;
  }
  if (forwarding === 'dr' && owner) {
    problem('vip', `${draft.vip} is host ${owner.host.name}'s own address (${owner.field}): a DR VIP goes on lo:1 and must not be an interface address`);
    return false;
  }
  // Packets to a subnet's broadcast address reach every host on it, not the director.
  const onEdge = owned.map((entry) => ({ entry, edge: subnetEdgeOf(draft.vip, entry.cidr) })).find(({ edge }) => edge);
  if (onEdge) {
    problem('vip', `${draft.vip} is the ${onEdge.edge} address of ${networkOf(onEdge.entry.cidr)} (host ${onEdge.entry.host.name}'s ${onEdge.entry.field}), which no VIP can be`);
    return false;
  }
  return true;
}

function resolveRealServer(
  service: DraftService,
  draft: DraftRealServer,
  forwarding: ForwardingMethod,
  director: Host,
  dip: Cidr,
  hosts: ReadonlyMap<string, Host>,
  issues: IssueList,
): RealServer | undefined {
  const problem = (field: string, message: string): undefined => issues.add(service.subject, `${draft.field}.${field}`, message);
  const host = hosts.get(draft.host);
  if (!host) return problem('host', `${show(draft.host)} is not a host in this inventory`);
  if (host === director) return problem('host', `${host.name} is this service's director; a real server must be another host`);
  const role = REAL_SERVER_ROLE[forwarding];
  if (!host.roles.includes(role)) {
    return problem('host', `host ${host.name} is a real server of a ${forwarding.toUpperCase()} service but has no ${role} role (it has ${listed(host.roles)})`);
  }
  const onDipSubnet = host.interfaces.flatMap((i) => i.addresses).find((cidr) => inSubnet(cidr.address, dip));
  if (!onDipSubnet) {
    return problem('host', `${host.name} has no address on ${networkOf(dip)}, the subnet of director ${director.name}'s DIP ${dip.address}`);
  }
  if (forwarding === 'dr' && draft.port !== undefined && draft.port !== service.port) {
    return problem('port', `${draft.port} differs from the service port ${service.port}: DR forwards packets unchanged, so the real server must serve port ${service.port}`);
  }
  if (forwarding === 'nat' && host.gateway !== dip.address) {
    const now = host.gateway ? `is ${host.gateway}` : 'is not set';
    issues.add(`host ${host.name}`, 'gateway', `${now}, but NAT real server ${host.name} must route replies through director ${director.name}'s DIP ${dip.address}`);
    return undefined;
  }
  return { host: host.name, address: onDipSubnet.address, port: draft.port ?? service.port, weight: draft.weight };
}

function checkDuplicateRealServers(service: DraftService, drafts: readonly DraftRealServer[], realServers: readonly RealServer[], issues: IssueList): void {
  const seen = new Map<string, string>();
  realServers.forEach((rs, index) => {
    // Same address on two hosts is checkDuplicateAddresses' to report; here, one host listed twice.
    const key = `${rs.host}:${rs.port}`;
    const field = drafts[index]!.field;
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, field);
    else issues.add(service.subject, field, `${rs.host} (${key}) is already ${earlier}`);
  });
}

function checkDuplicateServices(services: readonly VirtualService[], drafts: readonly DraftService[], issues: IssueList): void {
  const seen = new Set<string>();
  for (const service of services) {
    const key = `${service.director} ${service.protocol} ${service.vip}:${service.port}`;
    if (seen.has(key)) {
      const subject = drafts.find((d) => d.vip === service.vip && d.port === service.port && d.protocol === service.protocol)!.subject;
      issues.add(subject, 'vip', `director ${service.director} has this service twice`);
    }
    seen.add(key);
  }
}

// A role with nothing to serve is a typo or a forgotten service: say so instead of configuring nothing.
function checkUnusedRoles(hosts: readonly Host[], services: readonly VirtualService[], issues: IssueList): void {
  for (const host of hosts.filter((h) => h.state !== 'absent')) {
    for (const role of host.roles) {
      const used =
        role === 'router' ||
        services.some((s) => (role === DIRECTOR_ROLE[s.forwarding] && s.director === host.name) || (role === REAL_SERVER_ROLE[s.forwarding] && s.realServers.some((rs) => rs.host === host.name)));
      if (!used) issues.add(`host ${host.name}`, 'roles', `${role}, but no service ${role.startsWith('director-') ? 'names it as director' : 'lists it as a real server'}`);
    }
  }
}
