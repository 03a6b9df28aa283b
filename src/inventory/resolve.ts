import { formatCidr, inSubnet, networkOf, subnetEdgeOf, type Cidr, type IPv4 } from '../net/ipv4.ts';
import type { IssueList } from './issues.ts';
import { listed, show } from './show.ts';
import {
  dipCandidates,
  directs,
  type Failover,
  type ForwardingMethod,
  type Host,
  type Inventory,
  type RealServer,
  type RoleName,
  type VirtualRouterId,
  type VirtualService,
  type Vip,
} from './model.ts';
import type { Draft, DraftRealServer, DraftService } from './parse.ts';
import { checkMarkClaims } from './fwmark.ts';

// A TUN service is a DR director's: its VIP sits on the director's lo as a DR VIP does; only the way to the
// real servers differs.
const DIRECTOR_ROLE: Record<ForwardingMethod, RoleName> = { nat: 'director-nat', dr: 'director-dr', tun: 'director-dr' };
const REAL_SERVER_ROLE: Record<ForwardingMethod, RoleName> = { nat: 'realserver-nat', dr: 'realserver-dr', tun: 'realserver-tun' };

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
  checkMarkClaims(services, (service) => subjectOf(service, draft.services), issues);
  const failovers = resolveFailovers(draft.services, services, hosts, dips, issues);
  // Only on an otherwise sound inventory: a service dropped for another fault would make a role look unused.
  if (issues.items.length === 0) checkUnusedRoles(draft.hosts, services, issues);
  return { file, hosts: draft.hosts, services: services.map((service) => withFailover(service, failovers)) };
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
  if (host.ipvs && !isDirector) issues.add(subject, 'ipvs', "is only for hosts with a director-nat or director-dr role: IPVS settings are a director's");
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
    const directed = draft.services.filter((s) => directs(s, host.name));
    const vips = new Set(directed.map((s) => s.vip));
    if (host.dip) {
      const cidr = own.find((c) => c.address === host.dip);
      if (cidr) dips.set(host.name, cidr);
      else issues.add(subject, 'dip', `${host.dip} is not an address on ${host.name}'s interfaces (${listed(own.map(formatCidr))})`);
      continue;
    }
    const natVips = directed.filter((s) => natService(s, host)).map((s) => s.vip);
    const candidates = dipCandidates(host, [...vips], natVips).map((c) => c.cidr);
    // A NAT VIP missing from the director leaves its outside address looking like a DIP: the service says why.
    const misplacedNatVip = host.roles.includes('director-nat') && [...vips].some((vip) => !own.some((c) => c.address === vip));
    if (candidates.length > 1 && misplacedNatVip) continue;
    if (candidates.length === 1) dips.set(host.name, candidates[0]!);
    else if (candidates.length === 0) issues.add(subject, 'interfaces', `${host.name} has no address to use as its DIP besides its VIPs`);
    else issues.add(subject, 'dip', `is required: ${host.name} has several addresses that could be the DIP (${listed(candidates.map(formatCidr))})`);
  }
  return dips;
}

/** Whether the service forwards by NAT on `director`: as written, or else by its only director role (a wrong one is resolveService's to say). */
function natService(draft: DraftService, director: Host): boolean {
  if (!director.roles.includes('director-nat')) return false;
  return draft.forwarding === 'nat' || (draft.forwarding === undefined && !director.roles.includes('director-dr'));
}

function resolveService(draft: DraftService, hosts: ReadonlyMap<string, Host>, dips: ReadonlyMap<string, Cidr>, owned: readonly OwnedAddress[], issues: IssueList): VirtualService | undefined {
  const problem = (field: string, message: string): undefined => issues.add(draft.subject, field, message);
  const directors = resolveDirectors(draft, hosts, problem);
  if (!directors) return undefined;
  const [director] = directors;
  const forwarding = forwardingOf(draft, directors, problem);
  if (!forwarding) return undefined;
  if (!checkVipPlacement(draft, forwarding, directors, owned, problem)) return undefined;
  const dip = dips.get(director.name);
  if (!dip) return undefined; // resolveDips has said why
  if (!checkOneSegment(directors, dips, problem)) return undefined;
  const gateway = realServerGateway(draft, forwarding, directors, dip, owned, problem);
  if (gateway === null) return undefined;
  // An absent host listed here is leaving: its director drains it and deletes it, as if it were not listed.
  const staying = draft.realServers.filter((rs) => hosts.get(rs.host)?.state !== 'absent');
  const realServers = staying.map((rs) => resolveRealServer(draft, rs, forwarding, directors, { dip, gateway }, hosts, issues));
  if (!realServers.every((rs) => rs !== undefined)) return undefined;
  checkDuplicateRealServers(draft, staying, realServers, issues);
  const { subject: _subject, realServers: _drafts, directorsField: _field, vrrp: _vrrp, ...fields } = draft;
  return { ...fields, vip: draft.vip as Vip, forwarding, realServers };
}

/** The service's directors as hosts, the first preferred: each in the inventory, and staying. */
function resolveDirectors(draft: DraftService, hosts: ReadonlyMap<string, Host>, problem: (field: string, message: string) => undefined): [Host, ...Host[]] | undefined {
  const resolved = draft.directors.map((name, index) => {
    const field = draft.directorsField === 'director' ? 'director' : `directors[${index}]`;
    const host = hosts.get(name);
    if (!host) return problem(field, `${show(name)} is not a host in this inventory`);
    if (host.state === 'absent') return problem(field, `host ${host.name} is marked state: 'absent': remove this service, or give it a director that stays`);
    return host;
  });
  return resolved.every((h): h is Host => h !== undefined) ? (resolved as [Host, ...Host[]]) : undefined;
}

// VRRP moves the VIP between hosts that hear each other's adverts and that the router reaches at one
// address: the directors' DIPs share one subnet (the VIP's segment), on whose interface the VIP goes.
function checkOneSegment(directors: readonly Host[], dips: ReadonlyMap<string, Cidr>, problem: (field: string, message: string) => undefined): boolean {
  const [first, ...others] = directors.map((host) => ({ host, dip: dips.get(host.name) }));
  if (!first?.dip) return false;
  for (const [index, other] of others.entries()) {
    if (!other.dip) return false; // resolveDips has said why
    if (!inSubnet(other.dip.address, first.dip)) {
      problem(
        `directors[${index + 1}]`,
        `${other.host.name}'s DIP ${other.dip.address} is not on ${networkOf(first.dip)}, the subnet of ${first.host.name}'s DIP: VRRP moves the VIP only between directors on one segment`,
      );
      return false;
    }
  }
  return true;
}

function forwardingOf(draft: DraftService, directors: readonly Host[], problem: (field: string, message: string) => undefined): ForwardingMethod | undefined {
  const all = (['nat', 'dr'] as const).filter((method) => directors.every((director) => director.roles.includes(DIRECTOR_ROLE[method])));
  const field = draft.directorsField;
  const named = directors.length === 1 ? `director ${directors[0]!.name}` : `directors ${listed(directors.map((d) => d.name))}`;
  const roleless = directors.find((director) => !director.roles.some((role) => role.startsWith('director-')));
  if (roleless) return problem(field, `host ${roleless.name} has no director-nat or director-dr role`);
  if (draft.forwarding === undefined) {
    if (all.length === 1) return all[0];
    if (all.length === 0) return problem(field, `${named} share no director role: give them all director-nat or all director-dr`);
    return problem('forwarding', `is required: ${named} ${directors.length === 1 ? 'plays' : 'play'} both director-nat and director-dr`);
  }
  const lacking = directors.find((director) => !director.roles.includes(DIRECTOR_ROLE[draft.forwarding!]));
  if (lacking) {
    return problem('forwarding', `is ${draft.forwarding}, but director ${lacking.name} has no ${DIRECTOR_ROLE[draft.forwarding]} role`);
  }
  return draft.forwarding;
}

// NAT: clients reach the VIP on the director's outside interface: its own address there, or for a pair one
// that VRRP moves between their outside interfaces. DR: the VIP sits on lo:1 of the director and every real
// server, so no host may own it on a real interface.
function checkVipPlacement(
  draft: DraftService,
  forwarding: ForwardingMethod,
  directors: readonly [Host, ...Host[]],
  owned: readonly OwnedAddress[],
  problem: (field: string, message: string) => undefined,
): boolean {
  const [director] = directors;
  const owner = owned.find((entry) => entry.cidr.address === draft.vip);
  if (forwarding === 'nat' && directors.length > 1) {
    if (owner) {
      problem('vip', `${draft.vip} is host ${owner.host.name}'s own address (${owner.field}): VRRP moves a NAT pair's VIP between the directors' outside interfaces, so no host may have it`);
      return false;
    }
    const away = directors.findIndex((d) => !d.interfaces.some((i) => i.addresses.some((cidr) => inSubnet(draft.vip, cidr))));
    if (away >= 0) {
      problem(`directors[${away}]`, `director ${directors[away]!.name} has no address on the subnet of ${draft.vip}: VRRP holds a NAT pair's VIP on each director's outside interface`);
      return false;
    }
  } else if (forwarding === 'nat' && owner?.host !== director) {
    problem('vip', `${draft.vip} is not an address on director ${director.name}'s interfaces: a NAT VIP lives on the director's outside interface`);
    return false;
  }
  if (forwarding !== 'nat' && owner) {
    const where = forwarding === 'dr' ? 'a DR VIP goes on lo:1' : "a TUN VIP goes on the director's lo:1 and the real servers' tunl0";
    problem('vip', `${draft.vip} is host ${owner.host.name}'s own address (${owner.field}): ${where} and must not be an interface address`);
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

/**
 * The address a NAT service's real servers must route replies through: the DIP of its one director, or the
 * pair's floating `vrrp.gateway`, checked here; undefined for DR, null when the gateway is wrong.
 */
function realServerGateway(
  draft: DraftService,
  forwarding: ForwardingMethod,
  directors: readonly Host[],
  dip: Cidr,
  owned: readonly OwnedAddress[],
  problem: (field: string, message: string) => undefined,
): IPv4 | undefined | null {
  const given = draft.vrrp?.gateway;
  if (forwarding !== 'nat') {
    if (given)
      problem('vrrp.gateway', `is for NAT pairs, whose real servers route replies through the director holding the VIP; a ${forwarding.toUpperCase()} real server's replies go straight to the client`);
    return given ? null : undefined;
  }
  if (directors.length === 1) return dip.address;
  if (!given) {
    problem('vrrp.gateway', `is required: the real servers of a NAT pair route replies through an inside address that VRRP moves with the VIP (on ${networkOf(dip)}, no host's own)`);
    return null;
  }
  const owner = owned.find((entry) => entry.cidr.address === given);
  const edge = subnetEdgeOf(given, dip);
  const wrong = !inSubnet(given, dip)
    ? `${given} is not on ${networkOf(dip)}, the subnet of the directors' DIPs, where the real servers are`
    : edge
      ? `${given} is the ${edge} address of ${networkOf(dip)}, which no gateway can have`
      : owner
        ? `${given} is host ${owner.host.name}'s own address (${owner.field}): the gateway moves between the directors, so no host may have it`
        : given === draft.vip
          ? `${given} is the service's VIP: the gateway is a second, inside address`
          : undefined;
  if (wrong) {
    problem('vrrp.gateway', wrong);
    return null;
  }
  return given;
}

function resolveRealServer(
  service: DraftService,
  draft: DraftRealServer,
  forwarding: ForwardingMethod,
  directors: readonly [Host, ...Host[]],
  { dip, gateway }: { readonly dip: Cidr; readonly gateway: IPv4 | undefined },
  hosts: ReadonlyMap<string, Host>,
  issues: IssueList,
): RealServer | undefined {
  const problem = (field: string, message: string): undefined => issues.add(service.subject, `${draft.field}.${field}`, message);
  const [director] = directors;
  const host = hosts.get(draft.host);
  if (!host) return problem('host', `${show(draft.host)} is not a host in this inventory`);
  if (directors.includes(host)) return problem('host', `${host.name} is this service's director; a real server must be another host`);
  const role = REAL_SERVER_ROLE[forwarding];
  if (!host.roles.includes(role)) {
    return problem('host', `host ${host.name} is a real server of a ${forwarding.toUpperCase()} service but has no ${role} role (it has ${listed(host.roles)})`);
  }
  const address = forwarding === 'tun' ? tunnelEndpoint(host, director, dip, problem) : onSubnet(host, dip, director, problem);
  if (!address) return undefined;
  if (forwarding !== 'nat' && draft.port !== undefined && draft.port !== service.port) {
    const how = forwarding === 'dr' ? 'DR forwards packets unchanged' : 'TUN forwards packets unchanged inside the tunnel';
    return problem('port', `${draft.port} differs from the service port ${service.port}: ${how}, so the real server must serve port ${service.port}`);
  }
  if (gateway !== undefined && host.gateway !== gateway) {
    const now = host.gateway ? `is ${host.gateway}` : 'is not set';
    const through =
      directors.length === 1
        ? `director ${director.name}'s DIP ${gateway}`
        : `${gateway}, the gateway address directors ${listed(directors.map((d) => d.name))} hold with the VIP (${service.subject}'s vrrp.gateway)`;
    issues.add(`host ${host.name}`, 'gateway', `${now}, but NAT real server ${host.name} must route replies through ${through}`);
    return undefined;
  }
  const thresholds = { ...(draft.upperThreshold !== undefined && { upperThreshold: draft.upperThreshold }), ...(draft.lowerThreshold !== undefined && { lowerThreshold: draft.lowerThreshold }) };
  return { host: host.name, address, port: draft.port ?? service.port, weight: draft.weight, ...thresholds };
}

/** The host's address on `subnet`, if it has one. */
function addressOn(host: Host, subnet: Cidr): IPv4 | undefined {
  return host.interfaces.flatMap((i) => i.addresses).find((c) => inSubnet(c.address, subnet))?.address;
}

/** A NAT or DR real server is reached on the director's own segment: its address there. */
function onSubnet(host: Host, dip: Cidr, director: Host, problem: (field: string, message: string) => undefined): IPv4 | undefined {
  return addressOn(host, dip) ?? problem('host', `${host.name} has no address on ${networkOf(dip)}, the subnet of director ${director.name}'s DIP ${dip.address}`);
}

/**
 * Where a TUN director sends a real server's tunnelled packets: its address on the DIP's subnet, or else the
 * one on the subnet of its gateway (the address it is reached at from other networks). Off the director's
 * subnets, the director reaches it only through its own gateway, so it must have one.
 */
function tunnelEndpoint(host: Host, director: Host, dip: Cidr, problem: (field: string, message: string) => undefined): IPv4 | undefined {
  const local = addressOn(host, dip);
  if (local) return local;
  const routed = host.gateway ? host.interfaces.flatMap((i) => i.addresses).find((c) => inSubnet(host.gateway!, c)) : undefined;
  if (!routed) {
    return problem('host', `${host.name} has no address on ${networkOf(dip)}, the subnet of director ${director.name}'s DIP, and no gateway to say which of its addresses other networks reach it at`);
  }
  const directorSubnets = director.interfaces.flatMap((i) => i.addresses);
  if (!directorSubnets.some((c) => inSubnet(routed.address, c)) && !director.gateway) {
    return problem('host', `${host.name}'s ${routed.address} is on none of director ${director.name}'s subnets, and ${director.name} has no gateway to reach it through`);
  }
  return routed.address;
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

/** The subject a resolved service's messages go under: its draft's. */
function subjectOf(service: VirtualService, drafts: readonly DraftService[]): string {
  return drafts.find((d) => d.vip === service.vip && d.port === service.port && d.protocol === service.protocol && d.fwmark?.mark === service.fwmark?.mark)!.subject;
}

function checkDuplicateServices(services: readonly VirtualService[], drafts: readonly DraftService[], issues: IssueList): void {
  const seen = new Set<string>();
  // A firewall-mark service claims its ports and its mark: checkMarkClaims sees to both.
  for (const service of services.filter((s) => !s.fwmark)) {
    for (const director of service.directors) {
      const key = `${director} ${service.protocol} ${service.vip}:${service.port}`;
      if (seen.has(key)) {
        const subject = drafts.find((d) => d.vip === service.vip && d.port === service.port && d.protocol === service.protocol)!.subject;
        issues.add(subject, 'vip', `director ${director} has this service twice`);
      }
      seen.add(key);
    }
  }
}

// A role with nothing to serve is a typo or a forgotten service: say so instead of configuring nothing.
function checkUnusedRoles(hosts: readonly Host[], services: readonly VirtualService[], issues: IssueList): void {
  for (const host of hosts.filter((h) => h.state !== 'absent')) {
    for (const role of host.roles) {
      const used =
        role === 'router' ||
        services.some((s) => (role === DIRECTOR_ROLE[s.forwarding] && directs(s, host.name)) || (role === REAL_SERVER_ROLE[s.forwarding] && s.realServers.some((rs) => rs.host === host.name)));
      if (!used) issues.add(`host ${host.name}`, 'roles', `${role}, but no service ${role.startsWith('director-') ? 'names it as director' : 'lists it as a real server'}`);
    }
  }
}

/** The services that share one list of directors share one VRRP instance: its settings, by that list. */
type Failovers = ReadonlyMap<string, Failover>;

/** A VRRP instance's settings as its services give them, its id not numbered yet. */
interface GivenVrrp {
  readonly id?: VirtualRouterId;
  readonly advertInterval: number;
  readonly unicast: boolean;
  readonly gateway?: IPv4;
}

const groupKey = (directors: readonly string[]): string => directors.join(' ');
/** keepalived's sample configuration starts at 51; lvsplay numbers its instances from there. */
const FIRST_ROUTER_ID = 51;

/**
 * One VRRP instance per list of directors: its services must not disagree on its settings; an id not given
 * is the lowest from 51 that no other instance on its segment has; two on one segment never share one (a
 * BACKUP would take the other's adverts for its own).
 */
function resolveFailovers(drafts: readonly DraftService[], services: readonly VirtualService[], hosts: ReadonlyMap<string, Host>, dips: ReadonlyMap<string, Cidr>, issues: IssueList): Failovers {
  const groups = new Map<string, { drafts: DraftService[]; segments: Cidr[] }>();
  for (const draft of drafts) {
    if (draft.directors.length < 2 || !draft.vrrp) continue;
    const service = services.find((s) => s.vip === draft.vip && s.port === draft.port && s.protocol === draft.protocol && groupKey(s.directors) === groupKey(draft.directors));
    const segment = dips.get(draft.directors[0]);
    if (!service || !segment) continue;
    const group = groups.get(groupKey(draft.directors)) ?? { drafts: [], segments: [segment] };
    group.drafts.push(draft);
    // A NAT pair's VIP has an instance of its own on the outside segment, with the same id.
    const outside =
      service.forwarding === 'nat'
        ? hosts
            .get(service.directors[0])
            ?.interfaces.flatMap((i) => i.addresses)
            .find((cidr) => inSubnet(service.vip, cidr))
        : undefined;
    if (outside && !group.segments.some((known) => inSubnet(outside.address, known))) group.segments.push(outside);
    groups.set(groupKey(draft.directors), group);
  }
  const given = new Map<string, GivenVrrp>();
  for (const [key, group] of groups) {
    const [first, ...rest] = group.drafts;
    const id = group.drafts.find((d) => d.vrrp?.virtualRouterId !== undefined)?.vrrp?.virtualRouterId;
    const gateway = group.drafts.find((d) => d.vrrp?.gateway !== undefined)?.vrrp?.gateway;
    for (const other of rest) {
      const disagree = (['virtualRouterId', 'advertInterval', 'unicast', 'gateway'] as const).find(
        (field) => other.vrrp?.[field] !== undefined && first!.vrrp?.[field] !== undefined && other.vrrp[field] !== first!.vrrp[field],
      );
      if (disagree) issues.add(other.subject, `vrrp.${disagree}`, `differs from ${first!.subject}'s, which has the same directors and so the same VRRP instance`);
    }
    given.set(key, { advertInterval: first!.vrrp!.advertInterval, unicast: first!.vrrp!.unicast, ...(id !== undefined && { id }), ...(gateway && { gateway }) });
  }
  const failovers = new Map<string, Failover>();
  /** The segment of `segments` where another instance already has `id`. */
  const taken = (segments: readonly Cidr[], id: number, except: string) =>
    segments.find((segment) => [...failovers].some(([key, f]) => key !== except && f.virtualRouterId === id && groups.get(key)!.segments.some((other) => inSubnet(other.address, segment))));
  const failover = ({ advertInterval, unicast, gateway }: GivenVrrp, virtualRouterId: VirtualRouterId): Failover => ({
    virtualRouterId,
    advertInterval,
    unicast,
    ...(gateway && { gateway }),
  });
  for (const [key, settings] of given) {
    if (settings.id === undefined) continue;
    const group = groups.get(key)!;
    const clash = taken(group.segments, settings.id, key);
    if (clash) {
      const subject = group.drafts.find((d) => d.vrrp?.virtualRouterId !== undefined)!.subject;
      issues.add(subject, 'vrrp.virtualRouterId', `${settings.id} is already the id of another VRRP instance on ${networkOf(clash)}: each instance on a segment needs its own`);
    }
    failovers.set(key, failover(settings, settings.id));
  }
  for (const [key, settings] of given) {
    if (settings.id !== undefined) continue;
    const segments = groups.get(key)!.segments;
    let id = FIRST_ROUTER_ID;
    while (taken(segments, id, key)) id++;
    if (id > 255) {
      issues.add(groups.get(key)!.drafts[0]!.subject, 'vrrp.virtualRouterId', `is required: every id from ${FIRST_ROUTER_ID} to 255 is taken on ${segments.map(networkOf).join(' or ')}`);
      continue;
    }
    failovers.set(key, failover(settings, id as VirtualRouterId));
  }
  return failovers;
}

function withFailover(service: VirtualService, failovers: Failovers): VirtualService {
  const failover = service.directors.length > 1 ? failovers.get(groupKey(service.directors)) : undefined;
  return failover ? { ...service, failover } : service;
}
