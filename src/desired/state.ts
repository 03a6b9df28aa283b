import type { Cidr, IPv4 } from '../net/ipv4.ts';
import type { DrainTimeout, Host, Inventory, RoleName } from '../inventory/model.ts';
import type { IpvsTable } from '../ipvs/table.ts';
import type { TimeoutName } from '../facts/ipvs-timeouts.ts';

/** Work that runs once after the items that notify it changed, as Ansible's handlers do. */
export type Handler = { readonly kind: 'sysctl-load'; readonly file: string } | { readonly kind: 'daemon-reload' } | { readonly kind: 'reload-keepalived' };

/** A program that checks a file's new content on the host before it replaces the old one (Ansible's `validate:`). */
export type FileCheck = 'keepalived';

/** A file lvsplay owns whole: written only when content or mode differ. */
export interface FileItem {
  readonly kind: 'file';
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  readonly notify: readonly Handler[];
  readonly check?: FileCheck;
}

/** A live kernel setting; the persisted value is in `file`, which `sysctl -p` loads. */
export interface SysctlItem {
  readonly kind: 'sysctl';
  readonly key: string;
  readonly value: string;
  readonly file: string;
}

/** An address that must be live on an interface now (the boot unit that restores it is a separate item). */
export interface AddressItem {
  readonly kind: 'address';
  readonly device: string;
  readonly cidr: Cidr;
  /** `lo:1` for a VIP, as `ifconfig lo:1` would show it. */
  readonly label?: string;
}

/** A kernel module loaded now (a modules-load.d file, a separate item, loads it at boot). */
export interface ModuleItem {
  readonly kind: 'module';
  readonly name: string;
}

/**
 * A package installed with the host's own package manager when missing; never removed (an operator's packages
 * are theirs), so nothing of it is recorded.
 */
export interface PackageItem {
  readonly kind: 'package';
  readonly name: string;
}

/**
 * A network interface administratively up now (`ip link set up`), as tunl0 must be for the VIP on it to be
 * local. At boot the unit that puts the VIP on it brings it up.
 */
export interface LinkItem {
  readonly kind: 'link';
  readonly device: string;
}

export interface UnitItem {
  readonly kind: 'unit';
  readonly name: string;
  /** Started now as well as enabled for boot; false for units whose start would disturb live state. */
  readonly startNow: boolean;
}

/** The live IPVS services this host directs; reached by a minimal delta, never a flush. */
export interface IpvsItem {
  readonly kind: 'ipvs';
  readonly table: IpvsTable;
  /** By `serviceKey`: how long a real server leaving the service is drained before it is deleted (0: at once). */
  readonly drainTimeouts: Readonly<Record<string, DrainTimeout>>;
  /**
   * This director's services keepalived manages, as the inventory wants them live: this item never edits or
   * deletes them, and `lvsplay status` sets them against the live table.
   */
  readonly keepalived?: IpvsTable;
}

/** Not changed by lvsplay, only checked: a NAT real server's replies must go back through the director. */
export interface RouteCheckItem {
  readonly kind: 'default-route';
  readonly via: IPv4;
  readonly reason: string;
}

/**
 * The real servers leaving the services keepalived keeps on this director: drained before its reload deletes
 * them. `table` is those services as the inventory wants them.
 */
export interface KeepalivedDrainItem {
  readonly kind: 'keepalived-drain';
  readonly table: IpvsTable;
  readonly drainTimeouts: Readonly<Record<string, DrainTimeout>>;
}

/**
 * One IPVS connection timeout, live now (`ipvsadm --set`); the kernel forgets it at a reboot, so the unit in
 * `unitFile` (a separate item, as a sysctl's file is) sets it again at boot.
 */
export interface IpvsTimeoutItem {
  readonly kind: 'ipvs-timeout';
  readonly name: TimeoutName;
  readonly seconds: number;
  readonly unitFile: string;
}

/**
 * lvsplay's nftables table live as `file` has it (the file, a separate item, is what `nft -f` loads, now and
 * at boot); `listing` is what `nft list table` prints for it.
 */
export interface NftTableItem {
  readonly kind: 'nft-table';
  readonly listing: string;
  readonly file: string;
}

export type ItemSpec = PackageItem | FileItem | ModuleItem | SysctlItem | LinkItem | AddressItem | UnitItem | IpvsItem | KeepalivedDrainItem | RouteCheckItem | IpvsTimeoutItem | NftTableItem;

/** One thing a host should have, and the roles that want it (two roles may want the same file). */
export type DesiredItem = ItemSpec & { readonly roles: readonly RoleName[] };

export interface HostState {
  readonly host: Host;
  /** The roles this state was made for: all of the host's, or those `--role` selected. */
  readonly roles: readonly RoleName[];
  readonly items: readonly DesiredItem[];
}

/**
 * The roles as the engine sees them: what a host should have for some of its roles. The commands are given
 * it from outside src/ (bin/lvsplay.js passes roles/index.ts's), so that data flows one way: roles import
 * the engine's types, never the other way.
 */
export type DesiredStateOf = (inventory: Inventory, host: Host, roles: readonly RoleName[]) => HostState;

/** Loads the roles when a command needs them: `validate` and `--help` do not. */
export type LoadRoles = () => Promise<DesiredStateOf>;
