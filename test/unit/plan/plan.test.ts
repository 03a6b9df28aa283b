import { strict as assert } from 'node:assert';
import type { DesiredItem, HostState, ItemSpec } from '../../../src/desired/state.ts';
import type { HostFacts } from '../../../src/facts/gather.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import { sha256 } from '../../../src/desired/sha256.ts';
import { planHost } from '../../../src/plan/plan.ts';
import { NO_FACTS } from './no-facts.ts';

const HOST: Host = {
  name: 'rs1',
  ssh: { host: 'rs1', port: 22 as Port, user: 'root' },
  interfaces: [],
  roles: ['realserver-dr'],
  extraAddresses: [],
  state: 'present',
};

const SYSCTL_FILE = '/etc/sysctl.d/90-lvsplay-realserver-dr.conf';
const FILE: ItemSpec = { kind: 'file', path: SYSCTL_FILE, content: 'net.ipv4.conf.all.arp_ignore = 1\n', mode: 0o644, notify: [{ kind: 'sysctl-load', file: SYSCTL_FILE }] };
const UNIT_PATH = '/etc/systemd/system/lvsplay-vip@.service';
const UNIT_FILE: ItemSpec = { kind: 'file', path: UNIT_PATH, content: '[Unit]\n', mode: 0o644, notify: [{ kind: 'daemon-reload' }] };
const SYSCTL: ItemSpec = { kind: 'sysctl', key: 'net.ipv4.conf.all.arp_ignore', value: '1', file: SYSCTL_FILE };
const VIP: ItemSpec = { kind: 'address', device: 'lo', cidr: { address: '192.168.10.100' as IPv4, prefix: 32 }, label: 'lo:1' };
const UNIT: ItemSpec = { kind: 'unit', name: 'lvsplay-vip@1.service', startNow: true };
const ROUTE: ItemSpec = { kind: 'default-route', via: '192.168.10.81' as IPv4, reason: 'NAT replies must return through director lvs' };

function plan(item: ItemSpec, facts: Partial<HostFacts>) {
  const state: HostState = { host: HOST, roles: ['realserver-dr'], items: [{ ...item, roles: ['realserver-dr'] } as DesiredItem] };
  return planHost(state, { ...NO_FACTS, ...facts });
}

/** One case: an item, the facts read from the host, the verdict and the handlers it must fire. */
const CASES: { name: string; item: ItemSpec; facts: Partial<HostFacts>; status: string; reason: string; handlers?: string[] }[] = [
  { name: 'a missing file', item: FILE, facts: {}, status: 'change', reason: 'missing', handlers: [`sysctl-load ${SYSCTL_FILE}`] },
  {
    name: 'a file that matches',
    item: FILE,
    facts: { files: new Map([[SYSCTL_FILE, { exists: true, mode: 0o644, sha256: sha256((FILE as { content: string }).content) }]]) },
    status: 'ok',
    reason: 'content and mode match',
    handlers: [],
  },
  {
    name: 'a file with other content',
    item: FILE,
    facts: { files: new Map([[SYSCTL_FILE, { exists: true, mode: 0o644, sha256: sha256('other') }]]) },
    status: 'change',
    reason: 'content differs',
  },
  {
    name: 'a file with another mode',
    item: FILE,
    facts: { files: new Map([[SYSCTL_FILE, { exists: true, mode: 0o600, sha256: sha256((FILE as { content: string }).content) }]]) },
    status: 'change',
    reason: 'mode 0600 → 0644',
  },
  { name: 'a new unit file, systemd version unknown', item: UNIT_FILE, facts: {}, status: 'change', reason: 'missing', handlers: ['daemon-reload'] },
  {
    name: 'a new unit file on systemd 252: loaded on demand, no reload',
    item: UNIT_FILE,
    facts: { systemdVersion: 252, files: new Map([[UNIT_PATH, { exists: false }]]), units: new Map([['lvsplay-vip@1.service', { load: 'not-found', active: 'inactive', unitFile: '' }]]) },
    status: 'change',
    reason: 'missing',
    handlers: [],
  },
  {
    name: 'a new unit file on systemd 245: reload',
    item: UNIT_FILE,
    facts: { systemdVersion: 245, files: new Map([[UNIT_PATH, { exists: false }]]) },
    status: 'change',
    reason: 'missing',
    handlers: ['daemon-reload'],
  },
  {
    name: 'a unit file deleted while its unit stays loaded: reload',
    item: UNIT_FILE,
    facts: { systemdVersion: 252, files: new Map([[UNIT_PATH, { exists: false }]]), units: new Map([['lvsplay-vip@1.service', { load: 'loaded', active: 'active', unitFile: 'enabled' }]]) },
    status: 'change',
    reason: 'missing',
    handlers: ['daemon-reload'],
  },
  {
    name: 'a changed unit file on systemd 252: reload',
    item: UNIT_FILE,
    facts: { systemdVersion: 252, files: new Map([[UNIT_PATH, { exists: true, mode: 0o644, sha256: '0'.repeat(64) }]]) },
    status: 'change',
    reason: 'content differs',
    handlers: ['daemon-reload'],
  },
  { name: 'a module not loaded', item: { kind: 'module', name: 'ip_vs' }, facts: {}, status: 'change', reason: 'ip_vs is not loaded' },
  { name: 'a loaded module', item: { kind: 'module', name: 'ip_vs' }, facts: { modules: new Set(['ip_vs']) }, status: 'ok', reason: 'ip_vs is loaded' },
  { name: 'a sysctl already set', item: SYSCTL, facts: { sysctl: new Map([['net.ipv4.conf.all.arp_ignore', '1']]) }, status: 'ok', reason: 'net.ipv4.conf.all.arp_ignore is 1', handlers: [] },
  {
    name: 'a sysctl set otherwise',
    item: SYSCTL,
    facts: { sysctl: new Map([['net.ipv4.conf.all.arp_ignore', '0']]) },
    status: 'change',
    reason: 'net.ipv4.conf.all.arp_ignore is 0, wants 1',
    handlers: [`sysctl-load ${SYSCTL_FILE}`],
  },
  { name: 'a VIP not on lo', item: VIP, facts: {}, status: 'change', reason: '192.168.10.100/32 is not on lo' },
  {
    name: 'a VIP on lo:1',
    item: VIP,
    facts: { addresses: [{ device: 'lo', cidr: { address: '192.168.10.100' as IPv4, prefix: 32 }, label: 'lo:1' }] },
    status: 'ok',
    reason: '192.168.10.100/32 is on lo:1',
  },
  {
    name: 'a VIP with the wrong label',
    item: VIP,
    facts: { addresses: [{ device: 'lo', cidr: { address: '192.168.10.100' as IPv4, prefix: 32 }, label: 'lo' }] },
    status: 'change',
    reason: '192.168.10.100/32 is labelled lo, wants lo:1',
  },
  {
    name: 'a unit not installed',
    item: UNIT,
    facts: { units: new Map([['lvsplay-vip@1.service', { load: 'not-found', active: 'inactive', unitFile: '' }]]) },
    status: 'change',
    reason: 'lvsplay-vip@1.service is not installed yet',
  },
  {
    name: 'a disabled unit',
    item: UNIT,
    facts: { units: new Map([['lvsplay-vip@1.service', { load: 'loaded', active: 'active', unitFile: 'disabled' }]]) },
    status: 'change',
    reason: 'lvsplay-vip@1.service is disabled',
  },
  {
    name: 'an enabled unit not running',
    item: UNIT,
    facts: { units: new Map([['lvsplay-vip@1.service', { load: 'loaded', active: 'inactive', unitFile: 'enabled' }]]) },
    status: 'change',
    reason: 'lvsplay-vip@1.service is inactive',
  },
  {
    name: 'an enabled active unit',
    item: UNIT,
    facts: { units: new Map([['lvsplay-vip@1.service', { load: 'loaded', active: 'active', unitFile: 'enabled' }]]) },
    status: 'ok',
    reason: 'lvsplay-vip@1.service is enabled and active',
  },
  { name: 'the right default route', item: ROUTE, facts: { defaultRoute: '192.168.10.81' as IPv4 }, status: 'ok', reason: 'default route via 192.168.10.81' },
  {
    name: 'a NAT real server routing around the director',
    item: ROUTE,
    facts: { defaultRoute: '192.168.10.1' as IPv4 },
    status: 'fail',
    reason: 'default route is via 192.168.10.1, must be via 192.168.10.81: NAT replies must return through director lvs',
    handlers: [],
  },
];

describe('planning: desired item × facts → verdict', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const result = plan(c.item, c.facts);
      assert.deepEqual(
        result.items.map((i) => i.verdict),
        [{ status: c.status, reason: c.reason }],
      );
      if (c.handlers) {
        assert.deepEqual(
          result.handlers.map((h) => (h.kind === 'sysctl-load' ? `${h.kind} ${h.file}` : h.kind)),
          c.handlers,
        );
      }
    });
  }

  it('fires each handler once, however many items notify it', () => {
    const items = [FILE, SYSCTL, { ...SYSCTL, key: 'net.ipv4.conf.lo.arp_ignore' }].map((i) => ({ ...i, roles: ['realserver-dr'] }) as DesiredItem);
    const result = planHost({ host: HOST, roles: ['realserver-dr'], items }, NO_FACTS);
    assert.deepEqual(result.handlers, [{ kind: 'sysctl-load', file: SYSCTL_FILE }]);
  });
});
