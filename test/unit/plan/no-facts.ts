import type { HostFacts } from '../../../src/facts/gather.ts';

/**
 * A Debian host with nothing of lvsplay's yet: no files, modules, sysctls, addresses, route, units or IPVS, and
 * no package it needs (apt-get to install them).
 */
export const NO_FACTS: HostFacts = {
  os: { id: 'debian', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
  packages: { query: 'dpkg-query', installer: 'apt-get', installed: new Set() },
  files: new Map(),
  modules: new Set(),
  sysctl: new Map(),
  links: new Map(),
  addresses: [],
  defaultRoute: undefined,
  units: new Map(),
  systemdVersion: undefined,
  ipvs: undefined,
};
