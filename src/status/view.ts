import type { Counters } from '../facts/ipvs-counters.ts';
import type { TcpCheck } from '../facts/tcp-check.ts';

/**
 * What `lvsplay status` shows of one director: pure data, made by `directorView` from what was read and
 * what the inventory wants, drawn by screen.ts and json.ts.
 */
export type DirectorView =
  | {
      readonly host: string;
      readonly state: 'read';
      readonly ipvs: 'loaded' | 'not-loaded';
      readonly ipvsadm: 'installed' | 'not-installed';
      /** Why there are no traffic counters, when there are none. */
      readonly countersUnavailable?: string;
      /** Why no real server was checked, when none was. */
      readonly tcpUnavailable?: string;
      /** A director of a pair: which part of VRRP it plays now. */
      readonly vrrp?: VrrpView;
      /** A director of a pair whose VRRP state could not be read: why. */
      readonly vrrpUnavailable?: string;
      readonly services: readonly ServiceView[];
    }
  | { readonly host: string; readonly state: 'unreachable' | 'failed'; readonly error: string };

/**
 * A director of a pair, by the VIPs of its VRRP instances that it holds (`vips`, in the inventory's order).
 *
 * Read from its addresses, not asked of keepalived: keepalived tells its VRRP state to notify scripts, or
 * writes it to a file on a signal (SIGUSR1: /tmp/keepalived.data), and a read-only look may neither set up
 * the one nor make it write the other. And the VIPs on its interface are what MASTER means on the wire: the
 * director holding them answers ARP for them and gets the clients' packets. `MASTER`: it holds them all;
 * `BACKUP`: keepalived runs and it holds none; `PARTIAL`: keepalived runs and it holds some, not the
 * `missing` ones (keepalived adds and removes one instance's VIPs together, so within one instance someone
 * else added or removed one; a director in two pairs may also be MASTER of one, BACKUP of the other);
 * `STOPPED`: keepalived does not run, and what it still holds (normally nothing) no VRRP moves.
 */
export type VrrpView =
  | { readonly state: 'MASTER'; readonly vips: readonly string[] }
  | { readonly state: 'BACKUP'; readonly vips: readonly [] }
  | { readonly state: 'PARTIAL'; readonly vips: readonly string[]; readonly missing: readonly string[] }
  | { readonly state: 'STOPPED'; readonly vips: readonly string[] };

/**
 * `lvsplay`: in the inventory; `keepalived`: in the inventory, managed by keepalived (whose configuration
 * lvsplay writes); `stale`: lvsplay's (in the rules file it last wrote) but gone from the inventory, so `run`
 * deletes it; `foreign`: not lvsplay's, left alone.
 */
export type Ownership = 'lvsplay' | 'keepalived' | 'stale' | 'foreign';

export interface ServiceView {
  /** `tcp 192.168.10.100:80`, `fwmark 7`. */
  readonly key: string;
  readonly ownership: Ownership;
  /** Live settings, when it is live. */
  readonly live?: { readonly scheduler: string; readonly persistent: boolean; readonly counters?: TrafficCounters };
  readonly drift: readonly ServiceDrift[];
  readonly realServers: readonly RealServerView[];
}

export type ServiceDrift =
  | { readonly kind: 'missing' }
  | { readonly kind: 'scheduler'; readonly live: string; readonly wanted: string }
  | { readonly kind: 'persistence'; readonly live: boolean; readonly wanted: boolean };

export interface TrafficCounters {
  /** Since the service or real server was added. */
  readonly total: Counters;
  /** Per second, as the kernel's estimator averages them (over about 2 s and smoothed). */
  readonly rate: Counters;
}

/** A real server in the live table, or wanted by the inventory, or both. */
export type RealServerView = {
  /** `192.168.10.71:80`. */
  readonly key: string;
  /** The inventory host with that address, if any. */
  readonly host?: string;
  /** Undefined when not checked: a UDP or fwmark service, or no bash on the director. */
  readonly tcp?: TcpCheck;
  readonly drift: readonly RealServerDrift[];
  /** Live with weight 0, not by a health check: it gets no new connections while its open ones finish. */
  readonly draining: boolean;
  /**
   * `health-check`: keepalived's check of a wanted real server fails, so keepalived took it out of the
   * table, or set it to weight 0 (`onFailure: 'weight0'`). Its state, not drift: keepalived puts it back once
   * the check passes.
   */
  readonly out?: 'health-check';
} & ({ readonly live: LiveRealServer; readonly wanted?: WantedRealServer } | { readonly live?: undefined; readonly wanted: WantedRealServer });

export interface WantedRealServer {
  readonly forwarding: string;
  readonly weight: number;
}

export interface LiveRealServer {
  readonly forwarding: string;
  readonly weight: number;
  readonly active: number;
  readonly inactive: number;
  readonly counters?: TrafficCounters;
}

export type RealServerDrift =
  | { readonly kind: 'missing' }
  | { readonly kind: 'extra' }
  | { readonly kind: 'weight'; readonly live: number; readonly wanted: number }
  | { readonly kind: 'forwarding'; readonly live: string; readonly wanted: string };
