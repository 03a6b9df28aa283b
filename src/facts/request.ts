import { serviceKey, type IpvsServiceId, type IpvsTable } from '../ipvs/table.ts';
import type { GoneTarget } from './ipvs-gone.ts';
import type { ManifestRequest } from './manifest.ts';

/**
 * What an item asks the facts script for. Every item's request is merged into one, so a host is asked
 * each fact once, in one round trip, whatever the kinds of its items.
 */
export interface FactRequest {
  readonly packages?: readonly string[];
  readonly files?: readonly string[];
  readonly modules?: readonly string[];
  readonly sysctl?: readonly string[];
  /** Interfaces whose administrative state (up or down) matters. */
  readonly links?: readonly string[];
  readonly addresses?: boolean;
  readonly defaultRoute?: boolean;
  readonly units?: readonly string[];
  /** Unit files whose absence makes systemd's version matter (asked only together with `units`). */
  readonly unitFiles?: readonly string[];
  /** The live and persisted table, against the desired one and the hash of the rules file this run writes. */
  readonly ipvs?: { readonly table: IpvsTable; readonly rulesSha256?: string };
  /** These services from /proc/net/ip_vs instead of `ipvs`: a read-back it can prove. */
  readonly ipvsProc?: readonly IpvsServiceId[];
  /** Real servers a change had another daemon (keepalived) remove: waited for, then those still live. */
  readonly ipvsGone?: readonly GoneTarget[];
  /** The host's manifest of what lvsplay made there, with the live state of what it names. */
  readonly manifest?: ManifestRequest;
  /** The IPVS connection timeouts (`ipvsadm -L --timeout`), when ip_vs is loaded. */
  readonly ipvsTimeouts?: boolean;
  /** lvsplay's nftables table, as `nft list table` prints it. */
  readonly nftTable?: boolean;
}

/** One request for all: lists joined in the items' order, flags raised by any item. */
export function mergeFactRequests(requests: readonly FactRequest[]): FactRequest {
  const list = <K extends 'packages' | 'files' | 'modules' | 'sysctl' | 'links' | 'units' | 'unitFiles'>(key: K): string[] => requests.flatMap((r) => r[key] ?? []);
  const ipvs = requests.find((r) => r.ipvs)?.ipvs;
  // Several items may read services back from /proc/net/ip_vs (lvsplay's table, keepalived's drains): one read.
  const procServices = requests.flatMap((r) => r.ipvsProc ?? []);
  const ipvsProc = requests.some((r) => r.ipvsProc) ? [...new Map(procServices.map((s) => [serviceKey(s), s])).values()] : undefined;
  const ipvsGone = requests.flatMap((r) => r.ipvsGone ?? []);
  const manifest = requests.find((r) => r.manifest)?.manifest;
  return {
    packages: list('packages'),
    files: list('files'),
    modules: list('modules'),
    sysctl: list('sysctl'),
    links: list('links'),
    addresses: requests.some((r) => r.addresses),
    defaultRoute: requests.some((r) => r.defaultRoute),
    units: list('units'),
    unitFiles: list('unitFiles'),
    ...(ipvs && { ipvs }),
    ...(ipvsProc && { ipvsProc }),
    ...(ipvsGone.length > 0 && { ipvsGone }),
    ...(manifest && { manifest }),
    ...(requests.some((r) => r.ipvsTimeouts) && { ipvsTimeouts: true }),
    ...(requests.some((r) => r.nftTable) && { nftTable: true }),
  };
}
