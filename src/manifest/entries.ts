import type { TimeoutName } from '../facts/ipvs-timeouts.ts';

/**
 * What lvsplay made on a host, one entry per thing, as its manifest records it. An entry's key is the key of
 * the item that made it (`file /etc/…`, `sysctl net.ipv4.ip_forward`), so a desired item and the entry it
 * left are matched by key.
 */
export type ManifestEntry = FileEntry | UnitEntry | AddressEntry | SysctlEntry | ModuleEntry | IpvsEntry | IpvsTimeoutEntry;

export interface FileEntry {
  readonly kind: 'file';
  readonly path: string;
  /** The hash of the content lvsplay wrote: a file that no longer has it was edited since. */
  readonly sha256: string;
  /** A systemd unit file: systemd has to forget it once it is removed (daemon-reload). */
  readonly unitFile: boolean;
}

export interface UnitEntry {
  readonly kind: 'unit';
  readonly name: string;
}

export interface AddressEntry {
  readonly kind: 'address';
  /** `192.168.10.100/32`. */
  readonly cidr: string;
  readonly device: string;
  readonly label?: string;
}

export interface SysctlEntry {
  readonly kind: 'sysctl';
  readonly key: string;
  /**
   * The live value before lvsplay first set it, put back when the setting leaves the inventory; null when
   * unknown (the host already had lvsplay's value when its manifest was first recorded, or the key did not
   * exist yet, as net.ipv4.vs.* before ip_vs is loaded).
   */
  readonly prior: string | null;
}

export interface ModuleEntry {
  readonly kind: 'module';
  readonly name: string;
}

/** The IPVS services lvsplay made, by `serviceKey` (`tcp 192.168.10.100:80`). */
export interface IpvsEntry {
  readonly kind: 'ipvs';
  readonly services: readonly string[];
}

/** An IPVS connection timeout lvsplay set. */
export interface IpvsTimeoutEntry {
  readonly kind: 'ipvs-timeout';
  readonly name: TimeoutName;
  /**
   * Seconds before lvsplay first set it, put back when it leaves the inventory; null when unknown (lvsplay's
   * boot unit was there before the manifest recorded it).
   */
  readonly prior: number | null;
}

export type EntryKind = ManifestEntry['kind'];

export type EntryOf<K extends EntryKind> = Extract<ManifestEntry, { kind: K }>;

/** The same key as the item that made it (registry's `itemKey`). */
export function entryKey(entry: ManifestEntry): string {
  switch (entry.kind) {
    case 'file':
      return `file ${entry.path}`;
    case 'unit':
      return `unit ${entry.name}`;
    case 'address':
      return `address ${entry.cidr} ${entry.device}`;
    case 'sysctl':
      return `sysctl ${entry.key}`;
    case 'module':
      return `module ${entry.name}`;
    case 'ipvs':
      return 'ipvs';
    case 'ipvs-timeout':
      return `ipvs-timeout ${entry.name}`;
  }
}
