import type { AddressItem, FileItem, IpvsItem, IpvsTimeoutItem, KeepalivedDrainItem, LinkItem, ModuleItem, NftTableItem, PackageItem, RouteCheckItem, SysctlItem, UnitItem } from '../desired/state.ts';
import type { KeepalivedDrainPlan } from './keepalived-drain.ts';
import type { AddressPlan } from './address.ts';
import type { IpvsPlan } from './ipvs.ts';
import type { Planned, Removal } from './kind.ts';
import type { PlannedManifest } from './manifest.ts';
import type { PackagePlan } from './package.ts';

/** Only an IPVS item carries a delta; on the others the field cannot be set, so any planned item may be asked for it. */
type NoDelta = { readonly ipvsChanges?: never };

/**
 * An item with its verdict: one member per kind, each with what its own plan adds; a manifest entry no
 * longer desired (a removal); the host's manifest itself.
 */
export type PlannedItem =
  | Planned<PackageItem, PackagePlan & NoDelta>
  | Planned<FileItem, NoDelta>
  | Planned<ModuleItem, NoDelta>
  | Planned<SysctlItem, NoDelta>
  | Planned<LinkItem, NoDelta>
  | Planned<AddressItem, AddressPlan & NoDelta>
  | Planned<UnitItem, NoDelta>
  | Planned<IpvsItem, IpvsPlan>
  | Planned<KeepalivedDrainItem, KeepalivedDrainPlan & NoDelta>
  | Planned<RouteCheckItem, NoDelta>
  | Planned<IpvsTimeoutItem, NoDelta>
  | Planned<NftTableItem, NoDelta>
  | Removal
  | PlannedManifest;
