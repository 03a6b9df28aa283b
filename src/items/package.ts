import type { PackageItem } from '../desired/state.ts';
import type { HostFacts } from '../facts/batch.ts';
import type { StepDraft } from '../apply/step.ts';
import { INSTALLERS, type Installer, type PackagesFact } from '../facts/packages.ts';
import { quote } from '../ssh/quote.ts';
import type { ItemKind, Planned, Verdict } from './kind.ts';

type Facts = Pick<HostFacts, 'packages'>;

/** What planning a package finds besides its verdict: the installer that installs a missing one. */
export interface PackagePlan {
  readonly installer?: Installer;
}

/**
 * A package the roles need (ipvsadm), installed with the host's own installer when missing. It has no
 * `record`: never removed, as a kernel module is never unloaded. An operator's packages are theirs, and
 * removing ipvsadm could break whatever else uses it; nothing in the manifest, so nothing to undo.
 */
export const packageKind: ItemKind<PackageItem, Facts, PackagePlan> = {
  kind: 'package',
  key: (item) => `package ${item.name}`,
  describe: (item) => `package ${item.name} installed`,
  facts: (item) => ({ packages: [item.name] }),
  plan: (item, facts) => planOf(item, facts.packages),
  // One install for all of a host's missing packages: the installer resolves them together, and each run of
  // it costs seconds. The read-back is the fact again.
  steps: (changed) =>
    INSTALLERS.flatMap((installer) => {
      const items = changed.filter((item) => item.installer === installer);
      return items.length > 0 ? [installStep(installer, items)] : [];
    }),
};

function planOf(item: PackageItem, live: PackagesFact): { readonly verdict: Verdict } & PackagePlan {
  const name = item.name;
  if (live.query === 'none') return { verdict: { status: 'ok', reason: `${name} not checked: the host has neither dpkg-query nor rpm to tell, and lvsplay installs only with apt-get, dnf or yum` } };
  if (live.installed.has(name)) return { verdict: { status: 'ok', reason: `${name} is installed` } };
  if (!live.installer) {
    const installers = live.query === 'dpkg-query' ? 'apt-get' : 'dnf or yum';
    return { verdict: { status: 'fail', reason: `${name} is not installed and the host has no ${installers} to install it: install it by hand` } };
  }
  return { verdict: { status: 'change', reason: `${name} is not installed: ${live.installer} installs it` }, installer: live.installer };
}

function installStep(installer: Installer, items: readonly Planned<PackageItem, PackagePlan>[]): StepDraft {
  const names = items.map((item) => quote(item.name)).join(' ');
  return { title: `${installer} install ${names}`, items, body: INSTALL[installer](names) };
}

// Stdin from /dev/null: the apply script reaches `sh` on its stdin, and an installer that read it (a
// prompt) would swallow the script's next lines.
const INSTALL: Record<Installer, (names: string) => string> = {
  'apt-get': (names) => {
    // The lock time-out waits for the unattended-upgrades a fresh cloud image runs at first boot; --no-remove
    // aborts rather than remove any package of the operator's to make room.
    const install = `DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-remove -o DPkg::Lock::Timeout=60 ${names} </dev/null`;
    // Lists updated only when the install fails: a fresh image may have none, or stale ones whose files are
    // gone from the mirror, but an update before every install would cost many seconds on each host.
    return `${install} ||\n{ apt-get update -q </dev/null && ${install}; }`;
  },
  // dnf and yum refresh expired metadata themselves.
  dnf: (names) => `dnf install -y -q ${names} </dev/null`,
  yum: (names) => `yum install -y -q ${names} </dev/null`,
};
