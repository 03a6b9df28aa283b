// The verdicts the plan gives in the cases plan.test.ts leaves out, each with the reason the operator reads,
// the reload a new unit file needs or not, and the read-back of changed items against facts gathered after
// the apply.
import { strict as assert } from 'node:assert';
import type { DesiredItem, HostState, ItemSpec } from '../../../src/desired/state.ts';
import { sha256 } from '../../../src/desired/sha256.ts';
import type { HostFacts } from '../../../src/facts/gather.ts';
import type { UnitState } from '../../../src/facts/units.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import { serviceKey, type IpvsTable } from '../../../src/ipvs/table.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import { pendingItems, planHost, readBackItems, type Verdict } from '../../../src/plan/plan.ts';
import { svc } from '../ipvs/helpers.ts';
import { NO_FACTS } from './no-facts.ts';

const HOST: Host = { name: 'lvs', ssh: { host: 'lvs', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['director-dr'], extraAddresses: [], state: 'present' };

function stateOf(...items: ItemSpec[]): HostState {
  return { host: HOST, roles: ['director-dr'], items: items.map((item) => ({ ...item, roles: ['director-dr'] }) as DesiredItem) };
}

function verdictOf(item: ItemSpec, facts: Partial<HostFacts>): Verdict {
  return planHost(stateOf(item), { ...NO_FACTS, ...facts }).items[0]!.verdict;
}

const change = (reason: string): Verdict => ({ status: 'change', reason });
const ok = (reason: string): Verdict => ({ status: 'ok', reason });
const unit = (load: string, active: string, unitFile: string): UnitState => ({ load, active, unitFile }) as UnitState;

const CONF = '/etc/sysctl.d/90-lvsplay.conf';
const FILE: ItemSpec = { kind: 'file', path: CONF, content: 'net.ipv4.ip_forward = 1\n', mode: 0o644, notify: [] };
const FORWARD: ItemSpec = { kind: 'sysctl', key: 'net.ipv4.ip_forward', value: '1', file: CONF };
const ETH0: ItemSpec = { kind: 'address', device: 'eth0', cidr: { address: '192.168.10.81' as IPv4, prefix: 24 } };
const live = (device: string, address: string, prefix: number, label = device) => ({ device, cidr: { address: address as IPv4, prefix }, label });

describe('planning: the verdicts and reasons of the other cases', () => {
  it('a file whose content and mode both differ names both', () => {
    assert.deepEqual(verdictOf(FILE, { files: new Map([[CONF, { exists: true, mode: 0o600, sha256: sha256('old') }]]) }), change('content differs, mode 0600 → 0644'));
  });

  it('a sysctl the kernel does not have yet is a change, and loads its file', () => {
    const plan = planHost(stateOf(FORWARD), NO_FACTS);
    assert.deepEqual(plan.items[0]!.verdict, change('net.ipv4.ip_forward does not exist yet'));
    assert.deepEqual(plan.handlers, [{ kind: 'sysctl-load', file: CONF }]);
  });

  it('an address: missing, on another device, with another prefix, or there (named by its device when it has no label)', () => {
    assert.deepEqual(verdictOf(ETH0, { addresses: [live('eth1', '192.168.10.81', 24)] }), change('192.168.10.81/24 is not on eth0'));
    assert.deepEqual(verdictOf(ETH0, { addresses: [live('eth0', '192.168.10.82', 24)] }), change('192.168.10.81/24 is not on eth0'));
    assert.deepEqual(verdictOf(ETH0, { addresses: [live('eth0', '192.168.10.81', 16)] }), change('192.168.10.81/16 on eth0, wants 192.168.10.81/24'));
    // Without a wanted label, whatever label the live address has is fine.
    assert.deepEqual(verdictOf(ETH0, { addresses: [live('eth0', '192.168.10.81', 24, 'eth0:x')] }), ok('192.168.10.81/24 is on eth0'));
  });

  it('a unit: unknown to systemd, loaded but not enabled, enabled only, or enabled and active', () => {
    const vip: ItemSpec = { kind: 'unit', name: 'lvsplay-vip@1.service', startNow: false };
    const units = (state: UnitState) => ({ units: new Map([['lvsplay-vip@1.service', state]]) });
    assert.deepEqual(verdictOf(vip, {}), change('lvsplay-vip@1.service is not installed yet'));
    assert.deepEqual(verdictOf(vip, units(unit('loaded', 'inactive', ''))), change('lvsplay-vip@1.service is not enabled'));
    assert.deepEqual(verdictOf(vip, units(unit('loaded', 'inactive', 'static'))), change('lvsplay-vip@1.service is static'));
    // Not to be started now: enabled is enough, whether it runs or not.
    assert.deepEqual(verdictOf(vip, units(unit('loaded', 'inactive', 'enabled'))), ok('lvsplay-vip@1.service is enabled'));
    assert.deepEqual(verdictOf({ ...vip, startNow: true }, units(unit('loaded', 'failed', 'enabled'))), change('lvsplay-vip@1.service is failed'));
  });

  it('a default route that is missing fails the item, saying so', () => {
    const route: ItemSpec = { kind: 'default-route', via: '192.168.10.81' as IPv4, reason: 'NAT replies must return through director lvs' };
    assert.deepEqual(verdictOf(route, {}), { status: 'fail', reason: 'default route is missing, must be via 192.168.10.81: NAT replies must return through director lvs' });
  });

  it('pendingItems keeps only the items to change, not those ok or failed (no manifest fact: no manifest item)', () => {
    const route: ItemSpec = { kind: 'default-route', via: '192.168.10.81' as IPv4, reason: 'NAT' };
    const plan = planHost(stateOf(FORWARD, { kind: 'module', name: 'ip_vs' }, route), { ...NO_FACTS, modules: new Set(['ip_vs']) });
    assert.deepEqual(
      pendingItems(plan).map((i) => i.kind),
      ['sysctl'],
    );
  });
});

describe('planning: the IPVS item, counted in words', () => {
  const ONE: IpvsTable = [svc('tcp 10.0.0.8:80 rr', '192.168.10.71:80 route 1')];
  const TWO: IpvsTable = [...ONE, svc('tcp 10.0.0.9:80 wlc')];
  const ipvs = (liveTable: IpvsTable) => ({ ipvs: { moduleLoaded: true, live: liveTable, foreign: new Map(), persisted: new Set<string>(), liveIsRulesFile: false } });

  it('one service, one change; and before ip_vs is read (no facts), the whole table is to add', () => {
    assert.deepEqual(verdictOf({ kind: 'ipvs', table: ONE, drainTimeouts: {} }, ipvs([svc('tcp 10.0.0.8:80 rr', '192.168.10.71:80 route 2')])), change('1 change to reach the 1 service'));
    assert.deepEqual(verdictOf({ kind: 'ipvs', table: ONE, drainTimeouts: {} }, ipvs(ONE)), ok('live table has the 1 service'));
    assert.deepEqual(verdictOf({ kind: 'ipvs', table: TWO, drainTimeouts: {} }, {}), change('3 changes to reach the 2 services'));
  });

  it('a wanted service left to someone else is not named unmanaged: its item fails instead', () => {
    const facts = {
      ipvs: {
        moduleLoaded: true,
        live: [],
        foreign: new Map([
          ['tcp 10.0.0.8:80', '-M 255.255.0.0'],
          ['tcp 10.0.0.7:80', '--pe sip'],
        ]),
        persisted: new Set<string>(),
        liveIsRulesFile: false,
      },
    };
    const plan = planHost(stateOf({ kind: 'ipvs', table: TWO, drainTimeouts: {} }), { ...NO_FACTS, ...facts });
    assert.equal(plan.items[0]!.verdict.status, 'fail');
    assert.deepEqual(plan.unmanaged, [{ service: 'tcp 10.0.0.7:80', kind: 'unsupported', reason: '--pe sip' }]);
  });

  it('a host without an IPVS item leaves every live service alone without naming it', () => {
    const facts = { ipvs: { moduleLoaded: true, live: ONE, foreign: new Map([['fwmark 1', 'firewall-mark service']]), persisted: new Set<string>(), liveIsRulesFile: false } };
    assert.deepEqual(planHost(stateOf(FORWARD), { ...NO_FACTS, ...facts }).unmanaged, []);
  });
});

describe('planning: the daemon-reload a new unit file needs', () => {
  const TEMPLATE = '/etc/systemd/system/lvsplay-vip@.service';
  const PLAIN = '/etc/systemd/system/lvsplay-arp.service';
  const unitFile = (path: string): ItemSpec => ({ kind: 'file', path, content: '[Unit]\n', mode: 0o644, notify: [{ kind: 'daemon-reload' }] });
  const reloads = (path: string, facts: Partial<HostFacts>) => planHost(stateOf(unitFile(path)), { ...NO_FACTS, files: new Map([[path, { exists: false }]]), ...facts }).handlers.length === 1;

  it('systemd 246 and later load a unit new to the host without one; 245 does not', () => {
    assert.equal(reloads(PLAIN, { systemdVersion: 246 }), false);
    assert.equal(reloads(PLAIN, { systemdVersion: 245 }), true);
  });

  it('a plain unit still loaded from a deleted file needs it; another unit loaded does not matter', () => {
    assert.equal(reloads(PLAIN, { systemdVersion: 252, units: new Map([['lvsplay-arp.service', unit('loaded', 'active', 'enabled')]]) }), true);
    assert.equal(
      reloads(PLAIN, {
        systemdVersion: 252,
        units: new Map([
          ['lvsplay-arp.service', unit('not-found', 'inactive', '')],
          ['lvsplay-arp2.service', unit('loaded', 'active', 'enabled')],
        ]),
      }),
      false,
    );
  });

  it("a template's instance still loaded needs it, whichever instance; a unit of another name does not", () => {
    assert.equal(reloads(TEMPLATE, { systemdVersion: 252, units: new Map([['lvsplay-vip@2.service', unit('loaded', 'active', 'enabled')]]) }), true);
    assert.equal(reloads(TEMPLATE, { systemdVersion: 252, units: new Map([['lvsplay-vipx.service', unit('loaded', 'active', 'enabled')]]) }), false);
  });

  it('a new sysctl file on a recent systemd is still loaded: only the daemon-reload depends on the version', () => {
    const conf: ItemSpec = { kind: 'file', path: '/etc/sysctl.d/90-new.conf', content: 'x = 1\n', mode: 0o644, notify: [{ kind: 'sysctl-load', file: '/etc/sysctl.d/90-new.conf' }] };
    const plan = planHost(stateOf(conf), { ...NO_FACTS, systemdVersion: 252, files: new Map([['/etc/sysctl.d/90-new.conf', { exists: false }]]) });
    assert.deepEqual(plan.handlers, [{ kind: 'sysctl-load', file: '/etc/sysctl.d/90-new.conf' }]);
  });

  it('a unit file that exists (or was not looked at) gets the reload whatever the version', () => {
    assert.equal(reloads(PLAIN, { systemdVersion: 252, files: new Map([[PLAIN, { exists: true, mode: 0o644, sha256: sha256('old') }]]) }), true);
    assert.equal(reloads(PLAIN, { systemdVersion: 252, files: new Map() }), true);
  });
});

describe('reading back changed items', () => {
  it('plans each item again against the facts read after the apply', () => {
    const plan = planHost(stateOf(FORWARD, FILE), NO_FACTS);
    const after = readBackItems(pendingItems(plan), {
      ...NO_FACTS,
      sysctl: new Map([['net.ipv4.ip_forward', '1']]),
      files: new Map([[CONF, { exists: true, mode: 0o640, sha256: sha256('net.ipv4.ip_forward = 1\n') }]]),
    });
    assert.deepEqual(
      after.map((i) => i.verdict),
      [ok('net.ipv4.ip_forward is 1'), change('mode 0640 → 0644')],
    );
  });

  it('checks an IPVS change against /proc/net/ip_vs when that was read, and against ipvsadm-save otherwise', () => {
    const table = [svc('tcp 10.0.0.8:80 rr', '192.168.10.71:80 route 1')];
    const [planned] = pendingItems(planHost(stateOf({ kind: 'ipvs', table, drainTimeouts: {} }), NO_FACTS));
    const proc = new Map([['tcp 10.0.0.8:80', { scheduler: 'rr', persistent: false, onePacket: false, destinations: new Map([['192.168.10.71:80', { forwarding: 'route', weight: 1 }]]) }]]);
    assert.deepEqual(readBackItems([planned!], { ...NO_FACTS, ipvsProc: { table: proc } } as HostFacts)[0]!.verdict, ok('the 1 service changed are live as wanted'));
    const saved = { ipvs: { moduleLoaded: true, live: table, foreign: new Map(), persisted: new Set(table.map(serviceKey)), liveIsRulesFile: false } };
    // Facts read from /proc for the IPVS item leave every other changed item to its own fact.
    const [module] = pendingItems(planHost(stateOf({ kind: 'module', name: 'ip_vs' }), NO_FACTS));
    assert.deepEqual(readBackItems([module!], { ...NO_FACTS, modules: new Set(['ip_vs']), ipvsProc: { table: proc } } as HostFacts)[0]!.verdict, ok('ip_vs is loaded'));
    assert.deepEqual(readBackItems([planned!], { ...NO_FACTS, ...saved })[0]!.verdict, ok('live table has the 1 service'));
  });
});
