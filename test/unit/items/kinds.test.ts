// The item kinds' own functions, each on the smallest input that tells its outcomes apart: the verdicts,
// reasons, steps and ipvsadm lines of planning, reading back and undoing one kind of item.
import { strict as assert } from 'node:assert';
import { gunzipSync } from 'node:zlib';
import type { AddressItem, FileItem, IpvsItem, ItemSpec, SysctlItem } from '../../../src/desired/state.ts';
import { sha256 } from '../../../src/desired/sha256.ts';
import type { HostFacts } from '../../../src/facts/batch.ts';
import { IPVS_RULES_FILE, type IpvsFacts } from '../../../src/facts/ipvs.ts';
import type { RecordedFacts } from '../../../src/facts/manifest.ts';
import type { ProcService } from '../../../src/facts/ipvs-proc.ts';
import type { UnitState } from '../../../src/facts/units.ts';
import { addressKind } from '../../../src/items/address.ts';
import { fileKind, writeCommand } from '../../../src/items/file.ts';
import type { Drain } from '../../../src/ipvs/drain.ts';
import { ipvsKind } from '../../../src/items/ipvs.ts';
import type { Removal } from '../../../src/items/kind.ts';
import { manifestStep, planManifest, readBackManifest, type PlannedManifest } from '../../../src/items/manifest.ts';
import { NO_LONGER_WANTED } from '../../../src/items/removal-words.ts';
import { sysctlKind } from '../../../src/items/sysctl.ts';
import { unitKind } from '../../../src/items/unit.ts';
import type { IpvsChange } from '../../../src/ipvs/delta.ts';
import type { IpvsService } from '../../../src/ipvs/table.ts';
import type { ManifestEntry, SysctlEntry, UnitEntry, AddressEntry, IpvsEntry } from '../../../src/manifest/entries.ts';
import { formatManifest, MANIFEST_PATH } from '../../../src/manifest/format.ts';
import type { Cidr, IPv4 } from '../../../src/net/ipv4.ts';

const ip = (text: string) => text as IPv4;
const cidr = (address: string, prefix: number): Cidr => ({ address: ip(address), prefix }) as Cidr;

function service(vip: string, port: number, protocol: 'tcp' | 'udp' = 'tcp'): IpvsService {
  return { protocol, vip: ip(vip), port, scheduler: 'rr', destinations: [] } as unknown as IpvsService;
}

function ipvsFacts(live: IpvsService[], extra: Partial<IpvsFacts> = {}): IpvsFacts {
  return { moduleLoaded: true, live, foreign: new Map(), persisted: new Set<string>(), liveIsRulesFile: false, ...extra };
}

function recorded(over: Partial<RecordedFacts> = {}): RecordedFacts {
  return { files: new Map(), units: new Map(), sysctl: new Map(), addresses: [], ipvs: undefined, ...over };
}

function removal<E extends ManifestEntry>(entry: E, undo: E = entry): Removal<E> {
  return { kind: 'removal', entry, undo, roles: [], verdict: { status: 'remove', reason: 'r' } };
}

/** The lines a restore step hands to `ipvsadm -R`, unpacked from its here-document. */
function restoredLines(body: string): string[] {
  const packed = body.split("<<'LVSPLAY_EOF' | gzip -dc\n")[1]!.split('LVSPLAY_EOF')[0]!;
  return gunzipSync(Buffer.from(packed.replace(/\n/g, ''), 'base64'))
    .toString()
    .split('\n')
    .filter(Boolean);
}

const WEB = service('192.168.10.100', 80);
const DNS = service('192.168.10.101', 53, 'udp');
const addWeb: IpvsChange = { op: 'add-service', service: WEB };
const plannedIpvs = (table: IpvsService[], ipvsChanges?: IpvsChange[]) => ({
  kind: 'ipvs' as const,
  table,
  drainTimeouts: {},
  roles: [],
  verdict: { status: 'change' as const, reason: 'r' },
  ...(ipvsChanges && { ipvsChanges }),
});

describe('the IPVS item kind', () => {
  it('asks for the rules file hash only when the rules file is among the items gathered with it', () => {
    const item: IpvsItem = { kind: 'ipvs', table: [WEB], drainTimeouts: {} };
    const rules: ItemSpec = { kind: 'file', path: IPVS_RULES_FILE, content: '-A -t 192.168.10.100:80 -s rr\n', mode: 0o600, notify: [] };
    const other: ItemSpec = { kind: 'file', path: '/etc/other', content: 'x\n', mode: 0o600, notify: [] };
    const sysctl: ItemSpec = { kind: 'sysctl', key: 'a', value: '1', file: IPVS_RULES_FILE };
    assert.deepEqual(ipvsKind.facts(item, [other, rules]), { ipvs: { table: [WEB], rulesSha256: sha256(rules.content) } });
    assert.deepEqual(ipvsKind.facts(item, [other]), { ipvs: { table: [WEB] } });
    assert.deepEqual(ipvsKind.facts(item, [sysctl]), { ipvs: { table: [WEB] } });
    assert.deepEqual(ipvsKind.facts(item, []), { ipvs: { table: [WEB] } });
  });

  it('reads a change back from /proc/net/ip_vs when /proc can show it, else plans on the facts it was planned on', () => {
    assert.deepEqual(ipvsKind.readBackFacts!(plannedIpvs([WEB], [addWeb]), []), { ipvsProc: [{ protocol: 'tcp', vip: '192.168.10.100', port: 80 }] });
    assert.deepEqual(ipvsKind.readBackFacts!(plannedIpvs([WEB]), []), { ipvsProc: [] });
  });

  it('judges a read-back from /proc by the changes it made, and without /proc plans the item again', () => {
    const live = new Map<string, ProcService>([['tcp 192.168.10.100:80', { scheduler: 'rr', persistent: false, onePacket: false, destinations: new Map() }]]);
    const proc = { ipvs: undefined, manifest: undefined, ipvsProc: { table: live } } as unknown as Pick<HostFacts, 'ipvs' | 'ipvsProc' | 'manifest'>;
    assert.deepEqual(ipvsKind.readBack!(plannedIpvs([WEB], [addWeb]), proc), { verdict: { status: 'ok', reason: 'the 1 service changed are live as wanted' } });
    const replanned = { ipvs: ipvsFacts([WEB]), manifest: undefined } as unknown as Pick<HostFacts, 'ipvs' | 'ipvsProc' | 'manifest'>;
    assert.deepEqual(ipvsKind.readBack!(plannedIpvs([WEB], [addWeb]), replanned), { verdict: { status: 'ok', reason: 'live table has the 1 service' }, ipvsChanges: [] });
  });

  it('plans a service recorded in the manifest and no longer wanted as deleted, and leaves one recorded under another kind alone', () => {
    const item: IpvsItem = { kind: 'ipvs', table: [WEB], drainTimeouts: {} };
    const manifest = (entries: ManifestEntry[]) => ({ state: 'recorded', text: '', entries, facts: recorded() });
    const facts = (entries: ManifestEntry[]) => ({ ipvs: ipvsFacts([WEB, DNS]), manifest: manifest(entries) }) as unknown as Pick<HostFacts, 'ipvs' | 'ipvsProc' | 'manifest'>;
    const owned = ipvsKind.plan(
      item,
      facts([
        { kind: 'unit', name: 'x' },
        { kind: 'ipvs', services: ['udp 192.168.10.101:53'] },
      ]),
    );
    assert.deepEqual(owned.verdict, { status: 'change', reason: '1 change to reach the 1 service' });
    assert.deepEqual(owned.ipvsChanges, [{ op: 'delete-service', service: { protocol: 'udp', vip: '192.168.10.101', port: 53, scheduler: 'rr' } }]);
    assert.deepEqual(ipvsKind.plan(item, facts([{ kind: 'unit', name: 'udp 192.168.10.101:53' }])).ipvsChanges, []);
    const none = { ipvs: ipvsFacts([WEB, DNS]), manifest: { state: 'none' } } as unknown as Pick<HostFacts, 'ipvs' | 'ipvsProc' | 'manifest'>;
    assert.deepEqual(ipvsKind.plan(item, none), { verdict: { status: 'ok', reason: 'live table has the 1 service' }, ipvsChanges: [] });
  });

  it('shows the changes of its changed items as one ipvsadm -R diff, and nothing without changes', () => {
    assert.deepEqual(ipvsKind.diff!([plannedIpvs([WEB], [addWeb]), plannedIpvs([DNS]), plannedIpvs([DNS], [{ op: 'delete-service', service: DNS }])], new Map()), [
      'ipvsadm -R <<EOF\n-A -t 192.168.10.100:80 -s rr\n-D -u 192.168.10.101:53\nEOF\n',
    ]);
    assert.deepEqual(ipvsKind.diff!([plannedIpvs([WEB]), plannedIpvs([WEB], [])], new Map()), []);
  });

  it('drains after the delta: the wait, then the deletions, in steps of their own', () => {
    const drain = { service: WEB, destination: { address: '192.168.10.72', port: 80, forwarding: 'route', weight: 1 }, timeout: 30 } as unknown as Drain;
    const steps = ipvsKind.steps!([{ ...plannedIpvs([WEB], [addWeb]), drains: [drain] }]);
    assert.deepEqual(
      steps.map((s) => s.title),
      ['ipvsadm -R (1 line)', 'drain 1 real server (at most 30 s)', 'ipvsadm -R (1 line)'],
    );
    assert.deepEqual(restoredLines(steps[2]!.body), ['-d -t 192.168.10.100:80 -r 192.168.10.72:80']);
    assert.deepEqual(ipvsKind.diff!([{ ...plannedIpvs([WEB], [addWeb]), drains: [drain] }], new Map()), [
      'ipvsadm -R <<EOF\n-A -t 192.168.10.100:80 -s rr\nEOF\n',
      '# drain: wait until 192.168.10.72:80 of tcp 192.168.10.100:80 hold no active connection (at most 30 s)\n',
      'ipvsadm -R <<EOF\n-d -t 192.168.10.100:80 -r 192.168.10.72:80\nEOF\n',
    ]);
  });

  it('restores a delta through one ipvsadm -R that loads ip_vs first and fails on any message', () => {
    const [step] = ipvsKind.steps!([plannedIpvs([WEB], [addWeb])]);
    assert.equal(step!.title, 'ipvsadm -R (1 line)');
    const lines = step!.body.split('\n');
    assert.equal(lines[0], 'modprobe ip_vs || return 1');
    assert.equal(lines[1], "lvsplay_delta=$(base64 -d <<'LVSPLAY_EOF' | gzip -dc");
    assert.deepEqual(lines.slice(-3), [
      ') || return 1',
      `lvsplay_err=$(printf '%s\\n' "$lvsplay_delta" | ipvsadm -R 2>&1 >/dev/null)`,
      `[ -z "$lvsplay_err" ] || { printf '%s\\n' "$lvsplay_err"; return 1; }`,
    ]);
    assert.deepEqual(restoredLines(step!.body), ['-A -t 192.168.10.100:80 -s rr']);
    assert.deepEqual(ipvsKind.steps!([plannedIpvs([WEB])]), []);
  });

  it('plans the removal of its recorded services: those still live go, and none live is ok', () => {
    const entry: IpvsEntry = { kind: 'ipvs', services: ['tcp 192.168.10.100:80', 'udp 192.168.10.101:53', 'tcp 192.168.10.102:443'] };
    assert.deepEqual(ipvsKind.planRemoval!(entry, recorded({ ipvs: ipvsFacts([WEB, DNS]) })), {
      verdict: { status: 'remove', reason: `${NO_LONGER_WANTED}: delete tcp 192.168.10.100:80, udp 192.168.10.101:53` },
      undo: { kind: 'ipvs', services: ['tcp 192.168.10.100:80', 'udp 192.168.10.101:53'] },
    });
    assert.deepEqual(ipvsKind.planRemoval!(entry, recorded({ ipvs: ipvsFacts([service('10.0.0.1', 80)]) })), { verdict: { status: 'ok', reason: `${NO_LONGER_WANTED}, and none of them is live` } });
    assert.deepEqual(ipvsKind.planRemoval!(entry, recorded()), { verdict: { status: 'ok', reason: `${NO_LONGER_WANTED}, and none of them is live` } });
  });

  it('deletes the services a removal undoes in one ipvsadm -R, -D per service, and nothing when none is left', () => {
    const entry: IpvsEntry = { kind: 'ipvs', services: ['tcp 192.168.10.100:80', 'udp 192.168.10.101:53'] };
    const two = removal(entry);
    const one = removal(entry, { kind: 'ipvs', services: ['tcp 192.168.10.102:8080'] });
    const steps = ipvsKind.removeSteps!([two, one]);
    assert.equal(steps.length, 1);
    assert.equal(steps[0]!.title, 'ipvsadm -R (3 lines)');
    assert.deepEqual(steps[0]!.items, [two, one]);
    assert.equal(steps[0]!.body.split('\n')[0], 'modprobe ip_vs || return 1');
    assert.deepEqual(restoredLines(steps[0]!.body), ['-D -t 192.168.10.100:80', '-D -u 192.168.10.101:53', '-D -t 192.168.10.102:8080']);
    assert.equal(ipvsKind.removeSteps!([one])[0]!.title, 'ipvsadm -R (1 line)');
    assert.deepEqual(ipvsKind.removeSteps!([removal(entry, { kind: 'ipvs', services: [] })]), []);
    assert.deepEqual(ipvsKind.removeSteps!([]), []);
  });

  it('shows the deletions of its removals as one ipvsadm -R diff, and nothing without any', () => {
    const entry: IpvsEntry = { kind: 'ipvs', services: ['tcp 192.168.10.100:80', 'udp 192.168.10.101:53'] };
    assert.deepEqual(ipvsKind.diffRemoved!([removal(entry)], new Map()), ['ipvsadm -R <<EOF\n-D -t 192.168.10.100:80\n-D -u 192.168.10.101:53\nEOF\n']);
    assert.deepEqual(ipvsKind.diffRemoved!([removal(entry, { kind: 'ipvs', services: [] })], new Map()), []);
  });

  it('reads a removal back from /proc/net/ip_vs for every recorded service, and names those still live', () => {
    const entry: IpvsEntry = { kind: 'ipvs', services: ['tcp 192.168.10.100:80', 'udp 192.168.10.101:53'] };
    assert.deepEqual(ipvsKind.removalReadBackFacts!(entry), {
      ipvsProc: [
        { protocol: 'tcp', vip: '192.168.10.100', port: 80 },
        { protocol: 'udp', vip: '192.168.10.101', port: 53 },
      ],
    });
    const proc = (keys: string[]) =>
      ({ ...recorded(), ipvsProc: { table: new Map(keys.map((k) => [k, { scheduler: 'rr', persistent: false, destinations: new Map() }])) } }) as unknown as RecordedFacts;
    const read = (facts: RecordedFacts) => ipvsKind.readBackRemoval!(removal(entry), facts as never);
    assert.deepEqual(read(proc(['tcp 192.168.10.100:80', 'udp 192.168.10.101:53', 'tcp 10.0.0.1:80'])), { status: 'remove', reason: 'tcp 192.168.10.100:80, udp 192.168.10.101:53 still live' });
    assert.deepEqual(read(proc(['tcp 10.0.0.1:80'])), { status: 'ok', reason: '2 deleted' });
    assert.deepEqual(read({ ...recorded(), ipvsProc: { table: undefined } } as unknown as RecordedFacts), { status: 'ok', reason: '2 deleted' });
    assert.deepEqual(read(recorded()), { status: 'ok', reason: '2 deleted' });
  });
});

describe('the sysctl item kind', () => {
  const entry = (prior: string | null): SysctlEntry => ({ kind: 'sysctl', key: 'net.ipv4.ip_forward', prior });
  const live = (value?: string) => recorded({ sysctl: new Map([['net.ipv4.ip_forward', value]]) });

  it('puts a removed setting back to its prior value with sysctl -w, and leaves one whose prior is unknown', () => {
    const known = removal(entry('0'));
    assert.deepEqual(sysctlKind.removeSteps!([removal(entry(null)), known]), [{ title: "sysctl -w 'net.ipv4.ip_forward=0'", items: [known], body: "sysctl -w 'net.ipv4.ip_forward=0'" }]);
    assert.deepEqual(sysctlKind.removeSteps!([removal(entry(null))]), []);
    assert.deepEqual(sysctlKind.removalReadBackFacts!(entry('0')), { sysctl: ['net.ipv4.ip_forward'] });
  });

  it('judges a removed setting on its live value against its prior one', () => {
    assert.deepEqual(sysctlKind.planRemoval!(entry('0'), live(undefined)), { verdict: { status: 'ok', reason: `${NO_LONGER_WANTED}, and net.ipv4.ip_forward does not exist now` } });
    assert.deepEqual(sysctlKind.planRemoval!(entry('0'), live('0')), { verdict: { status: 'ok', reason: `${NO_LONGER_WANTED}, and already 0, its value before lvsplay set it` } });
    assert.deepEqual(sysctlKind.planRemoval!(entry('0'), live('1')), { verdict: { status: 'remove', reason: `${NO_LONGER_WANTED}: put back to 0, its value before lvsplay set it (now 1)` } });
    assert.equal(sysctlKind.planRemoval!(entry(null), live('1')).verdict.status, 'ok');
  });

  it('is made by the sysctl -p of its own file only', () => {
    const item = { kind: 'sysctl' as const, key: 'k', value: '1', file: '/etc/sysctl.d/a.conf', roles: [], verdict: { status: 'change' as const, reason: 'r' } };
    assert.equal(sysctlKind.madeBy!(item, { kind: 'sysctl-load', file: '/etc/sysctl.d/a.conf' }), true);
    assert.equal(sysctlKind.madeBy!(item, { kind: 'sysctl-load', file: '/etc/sysctl.d/b.conf' }), false);
    assert.equal(sysctlKind.madeBy!(item, { kind: 'daemon-reload', file: '/etc/sysctl.d/a.conf' } as never), false);
  });

  it('records the live value as prior on a host without a manifest only while its file is missing, and null when the file is not even known', () => {
    const item: SysctlItem = { kind: 'sysctl', key: 'k', value: '1', file: '/etc/sysctl.d/a.conf' };
    const facts = (files: Map<string, { exists: false } | { exists: true; mode: number; sha256: string }>) => ({
      facts: { sysctl: new Map([['k', '0']]), files },
      earlier: undefined,
      manifest: false,
    });
    assert.deepEqual(sysctlKind.record!(item, facts(new Map([['/etc/sysctl.d/a.conf', { exists: false }]]))), { kind: 'sysctl', key: 'k', prior: '0' });
    assert.deepEqual(sysctlKind.record!(item, facts(new Map())), { kind: 'sysctl', key: 'k', prior: null });
    assert.deepEqual(sysctlKind.record!(item, facts(new Map([['/etc/sysctl.d/a.conf', { exists: true, mode: 0o644, sha256: 'x' }]]))), { kind: 'sysctl', key: 'k', prior: null });
  });

  it('records the live value as prior on a host whose manifest does not record the setting, though its file exists (a setting new to the inventory)', () => {
    const item: SysctlItem = { kind: 'sysctl', key: 'k', value: '1', file: '/etc/sysctl.d/a.conf' };
    const before = { facts: { sysctl: new Map([['k', '0']]), files: new Map([['/etc/sysctl.d/a.conf', { exists: true as const, mode: 0o644, sha256: 'x' }]]) }, manifest: true };
    assert.deepEqual(sysctlKind.record!(item, { ...before, earlier: undefined }), { kind: 'sysctl', key: 'k', prior: '0' });
    assert.deepEqual(sysctlKind.record!(item, { ...before, earlier: { kind: 'sysctl', key: 'k', prior: '5' } }), { kind: 'sysctl', key: 'k', prior: '5' });
  });
});

describe('the unit item kind', () => {
  const entry = (name: string): UnitEntry => ({ kind: 'unit', name });
  const judge = (state?: UnitState) => unitKind.planRemoval!(entry('lvsplay-vip.service'), recorded({ units: new Map(state ? [['lvsplay-vip.service', state]] : []) })).verdict;

  it('stops and disables every removed unit in one systemctl, and does nothing for none', () => {
    const a = removal(entry('a.service'));
    const b = removal(entry('b c.service'));
    assert.deepEqual(unitKind.removeSteps!([a, b]), [
      { title: "systemctl disable --now --no-reload a.service 'b c.service'", items: [a, b], body: "systemctl disable --now --no-reload a.service 'b c.service'" },
    ]);
    assert.deepEqual(unitKind.removeSteps!([]), []);
    assert.deepEqual(unitKind.removalReadBackFacts!(entry('a.service')), { units: ['a.service'] });
  });

  it('judges a removed unit on whether it is installed, running and enabled', () => {
    assert.deepEqual(judge(), { status: 'ok', reason: `${NO_LONGER_WANTED}, and no longer installed` });
    assert.deepEqual(judge({ load: 'not-found', active: 'active', unitFile: 'enabled' }), { status: 'ok', reason: `${NO_LONGER_WANTED}, and no longer installed` });
    assert.deepEqual(judge({ load: 'loaded', active: 'inactive', unitFile: 'disabled' }), { status: 'ok', reason: `${NO_LONGER_WANTED}, and already stopped and disabled` });
    assert.deepEqual(judge({ load: 'loaded', active: 'failed', unitFile: '' }), { status: 'ok', reason: `${NO_LONGER_WANTED}, and already stopped and not enabled` });
    assert.deepEqual(judge({ load: 'loaded', active: 'failed', unitFile: 'enabled-runtime' }), {
      status: 'remove',
      reason: `${NO_LONGER_WANTED}: stop and disable lvsplay-vip.service (enabled-runtime)`,
    });
    assert.deepEqual(judge({ load: 'loaded', active: 'active', unitFile: 'disabled' }), { status: 'remove', reason: `${NO_LONGER_WANTED}: stop and disable lvsplay-vip.service (active)` });
    assert.deepEqual(judge({ load: 'loaded', active: 'inactive', unitFile: 'not-enabled' }), { status: 'ok', reason: `${NO_LONGER_WANTED}, and already stopped and not-enabled` });
  });

  it('enables all changed units in one systemctl and starts only those to start now', () => {
    const unit = (name: string, startNow: boolean) => ({ kind: 'unit' as const, name, startNow, roles: [], verdict: { status: 'change' as const, reason: 'r' } });
    const [a, b] = [unit('a.service', true), unit('b.service', false)];
    assert.deepEqual(
      unitKind.steps!([a, b]).map((s) => s.title),
      ['systemctl enable --no-reload a.service b.service', 'systemctl start a.service'],
    );
  });
});

describe('the address item kind', () => {
  const entry: AddressEntry = { kind: 'address', cidr: '192.168.10.100/32', device: 'lo', label: 'lo:1' };
  const judge = (addresses: { device: string; cidr: Cidr; label: string }[]) => addressKind.planRemoval!(entry, recorded({ addresses })).verdict;

  it('takes a removed address off only while it is on its own device with its own prefix', () => {
    const remove = { status: 'remove', reason: `${NO_LONGER_WANTED}: take 192.168.10.100/32 off lo` };
    const gone = { status: 'ok', reason: `${NO_LONGER_WANTED}, and 192.168.10.100/32 is no longer on lo` };
    assert.deepEqual(
      judge([
        { device: 'eth0', cidr: cidr('10.0.0.1', 24), label: 'eth0' },
        { device: 'lo', cidr: cidr('192.168.10.100', 32), label: 'lo:1' },
      ]),
      remove,
    );
    assert.deepEqual(judge([]), gone);
    assert.deepEqual(judge([{ device: 'eth0', cidr: cidr('192.168.10.100', 32), label: 'eth0' }]), gone);
    assert.deepEqual(judge([{ device: 'lo', cidr: cidr('192.168.10.100', 24), label: 'lo' }]), gone);
  });

  it('deletes each removed address with its own ip address del, which is content when it is gone already', () => {
    const r = removal(entry);
    assert.deepEqual(addressKind.removeSteps!([r]), [
      { title: 'ip address del 192.168.10.100/32 dev lo', items: [r], body: 'ip address del 192.168.10.100/32 dev lo || [ -z "$(ip -o address show dev lo to 192.168.10.100/32)" ]' },
    ]);
    assert.deepEqual(addressKind.removalReadBackFacts!(entry), { addresses: true });
  });

  it('gives a live address a new label by taking it off and back (ip address replace keeps the old one), and adds a missing one with replace', () => {
    const item: AddressItem = { kind: 'address', device: 'lo', cidr: cidr('192.168.10.111', 32), label: 'lo:2' };
    const relabel = addressKind.plan(item, { addresses: [{ device: 'lo', cidr: cidr('192.168.10.111', 32), label: 'lo:1' }] });
    assert.deepEqual(relabel, { verdict: { status: 'change', reason: '192.168.10.111/32 is labelled lo:1, wants lo:2' }, relabelFrom: 'lo:1' });
    const missing = addressKind.plan(item, { addresses: [] });
    assert.deepEqual(missing, { verdict: { status: 'change', reason: '192.168.10.111/32 is not on lo' } });
    const steps = addressKind.steps!([
      { ...item, roles: [], ...relabel },
      { ...item, cidr: cidr('192.168.10.110', 32), label: 'lo:1', roles: [], ...missing },
    ]).map((s) => s.body);
    assert.deepEqual(steps, ['ip address del 192.168.10.111/32 dev lo && ip address add 192.168.10.111/32 dev lo label lo:2', 'ip address replace 192.168.10.110/32 dev lo label lo:1']);
  });

  it('records the label only when the item has one', () => {
    const item: AddressItem = { kind: 'address', device: 'lo', cidr: cidr('192.168.10.100', 32) };
    assert.deepEqual(addressKind.record!(item), { kind: 'address', cidr: '192.168.10.100/32', device: 'lo' });
    assert.deepEqual(addressKind.record!({ ...item, label: 'lo:1' }), { kind: 'address', cidr: '192.168.10.100/32', device: 'lo', label: 'lo:1' });
  });
});

describe('the manifest item', () => {
  const unit: ManifestEntry = { kind: 'unit', name: 'a.service' };
  const mod: ManifestEntry = { kind: 'module', name: 'ip_vs' };
  const fact = (entries: ManifestEntry[], text = formatManifest(entries)) => ({ state: 'recorded' as const, text, entries, facts: recorded() });

  it('is ok when the manifest already records what this run would write, counting what a partial run keeps', () => {
    assert.deepEqual(planManifest(fact([unit, mod]), [unit], true, ['director-dr' as never]), {
      kind: 'manifest',
      roles: ['director-dr'],
      verdict: { status: 'ok', reason: 'records the 2 things lvsplay made here' },
    });
    assert.deepEqual(planManifest(fact([unit]), [unit], false, []), { kind: 'manifest', roles: [], verdict: { status: 'ok', reason: 'records the 1 thing lvsplay made here' } });
  });

  it('names what a rewrite adds, drops and updates, and a rewrite that changes no entry', () => {
    const priorA: ManifestEntry = { kind: 'sysctl', key: 'a', prior: '0' };
    const changed = planManifest(fact([unit, priorA]), [mod, { kind: 'sysctl', key: 'a', prior: '1' }], false, []);
    assert.deepEqual(changed?.verdict, { status: 'change', reason: 'adds module ip_vs; drops unit a.service; updates sysctl a' });
    assert.deepEqual(changed?.write, { content: formatManifest([mod, { kind: 'sysctl', key: 'a', prior: '1' }]), fallback: formatManifest([mod, { kind: 'sysctl', key: 'a', prior: '1' }, unit]) });
    assert.deepEqual(planManifest(fact([unit], '{}\n'), [unit], false, [])?.verdict, { status: 'change', reason: 'rewritten as lvsplay writes it' });
    const many = ['a', 'b', 'c', 'd'].map((name): ManifestEntry => ({ kind: 'unit', name }));
    assert.equal(planManifest(fact([]), many.slice(0, 3), false, [])?.verdict.reason, 'adds unit a, unit b, unit c');
    assert.equal(planManifest(fact([]), many, false, [])?.verdict.reason, 'adds unit a, unit b, unit c and 1 more');
  });

  it('says on a first record which sysctl priors are unknown, in the singular and the plural', () => {
    const unknown = (key: string): ManifestEntry => ({ kind: 'sysctl', key, prior: null });
    assert.equal(
      planManifest({ state: 'none' }, [unknown('a'), { kind: 'sysctl', key: 'k', prior: '0' }, unit], false, [])?.verdict.reason,
      'missing: records the 3 things the inventory owns here now; the value of a before lvsplay set it is unknown, so removing it will leave the live value',
    );
    assert.equal(
      planManifest({ state: 'none' }, [unknown('a'), unknown('b')], false, [])?.verdict.reason,
      'missing: records the 2 things the inventory owns here now; the values of a, b before lvsplay set them are unknown, so removing them will leave the live value',
    );
    assert.equal(planManifest({ state: 'none' }, [unit], false, [])?.verdict.reason, 'missing: records the 1 thing the inventory owns here now');
  });

  it('writes the manifest in its last step, choosing the fallback after a failed step only when the two differ', () => {
    const planned = (content: string, fallback: string, status: 'change' | 'ok' = 'change'): PlannedManifest => ({
      kind: 'manifest',
      roles: [],
      verdict: { status, reason: 'r' },
      write: { content, fallback },
    });
    const same = planned('a\n', 'a\n');
    const [step] = manifestStep(same);
    assert.equal(step!.title, `write ${MANIFEST_PATH}`);
    assert.deepEqual(step!.items, [same]);
    assert.equal(step!.always, true);
    assert.doesNotMatch(step!.body, /lvsplay_failed/);
    assert.match(manifestStep(planned('a\n', 'b\n'))[0]!.body, /^if \[ -z "\$lvsplay_failed" \]; then\n.*'a\n'\nelse\n.*'b\n'\nfi$/s);
    assert.deepEqual(manifestStep(planned('a\n', 'b\n', 'ok')), []);
    assert.deepEqual(manifestStep({ kind: 'manifest', roles: [], verdict: { status: 'change', reason: 'r' } }), []);
  });

  it('reads the manifest back by its hash: the content, the fallback, or neither', () => {
    const manifest: PlannedManifest = { kind: 'manifest', roles: [], verdict: { status: 'change', reason: 'r' }, write: { content: 'a\n', fallback: 'b\n' } };
    const on = (state?: { exists: false } | { exists: true; mode: number; sha256: string }) => ({ files: new Map(state ? [[MANIFEST_PATH, state]] : []) }) as unknown as HostFacts;
    assert.deepEqual(readBackManifest(manifest, on({ exists: true, mode: 0o644, sha256: sha256('a\n') })), { status: 'ok', reason: 'written' });
    assert.deepEqual(readBackManifest(manifest, on({ exists: true, mode: 0o644, sha256: sha256('b\n') })), { status: 'ok', reason: 'written, keeping every entry since a step failed' });
    const notWritten = { status: 'change', reason: `${MANIFEST_PATH} is not what lvsplay wrote` };
    assert.deepEqual(readBackManifest(manifest, on({ exists: true, mode: 0o644, sha256: sha256('c\n') })), notWritten);
    assert.deepEqual(readBackManifest(manifest, on({ exists: false })), notWritten);
    assert.deepEqual(readBackManifest(manifest, on()), notWritten);
    assert.deepEqual(readBackManifest({ ...manifest, write: undefined }, on({ exists: true, mode: 0o644, sha256: sha256('a\n') })), notWritten);
  });
});

describe('the file item kind', () => {
  const file = (notify: FileItem['notify']): FileItem => ({ kind: 'file', path: '/etc/systemd/system/a.service', content: 'new\n', mode: 0o644, notify });

  it('asks whether systemd loaded it only for a file whose change fires daemon-reload', () => {
    const path = '/etc/systemd/system/a.service';
    assert.deepEqual(fileKind.facts(file([{ kind: 'daemon-reload' }]), []), { files: [path], unitFiles: [path] });
    assert.deepEqual(fileKind.facts(file([{ kind: 'sysctl-load', file: path }, { kind: 'daemon-reload' }]), []), { files: [path], unitFiles: [path] });
    assert.deepEqual(fileKind.facts(file([{ kind: 'sysctl-load', file: path }]), []), { files: [path] });
    assert.deepEqual(fileKind.facts(file([]), []), { files: [path] });
  });

  it('diffs a changed file against its content on the host, read from its own path, and a missing one against nothing', () => {
    const item = { ...file([]), roles: [], verdict: { status: 'change' as const, reason: 'r' } };
    assert.deepEqual(fileKind.diffReads!(item), ['/etc/systemd/system/a.service']);
    const [changed] = fileKind.diff!([item], new Map([['/etc/systemd/system/a.service', 'old\n']]));
    assert.match(changed!, /^--- \/etc\/systemd\/system\/a\.service\ton host\n\+\+\+ \/etc\/systemd\/system\/a\.service\twanted\n@@ -1,1 \+1,1 @@\n-old\n\+new\n$/m);
    const [created] = fileKind.diff!([item], new Map());
    assert.match(created!, /\ton host\n\+\+\+ .*\twanted\n@@ -0,0 \+1,1 @@\n\+new\n$/m);
  });

  it('reads a removed file back by its path, and removes it even when the host did not report it', () => {
    const entry = { kind: 'file' as const, path: '/etc/x', sha256: sha256('x\n'), unitFile: false };
    assert.deepEqual(fileKind.removalReadBackFacts!(entry), { files: ['/etc/x'] });
    assert.deepEqual(fileKind.planRemoval!(entry, recorded()).verdict, { status: 'remove', reason: `${NO_LONGER_WANTED}: remove it (a copy is kept in the run's backup folder)` });
    const edited = recorded({ files: new Map([['/etc/x', { exists: true, mode: 0o644, sha256: sha256('y\n') }]]) });
    assert.deepEqual(fileKind.planRemoval!(entry, edited).verdict, {
      status: 'remove',
      reason: `${NO_LONGER_WANTED}: remove it, edited since lvsplay wrote it (a copy is kept in the run's backup folder)`,
    });
    const r = removal(entry);
    assert.deepEqual(fileKind.removeSteps!([r]), [{ title: 'remove /etc/x', items: [r], body: 'lvsplay_remove /etc/x' }]);
  });

  it('writes a file of up to 16 KiB as one quoted word, and a larger one packed', () => {
    const limit = 'a'.repeat(16 * 1024);
    assert.equal(writeCommand('/etc/x', 0o644, limit), `lvsplay_write /etc/x 0644 0133 ${limit}`);
    assert.match(writeCommand('/etc/x', 0o644, `${limit}a`), /^lvsplay_write \/etc\/x 0644 0133 <<'LVSPLAY_EOF'\n[A-Za-z0-9+/=\n]+LVSPLAY_EOF$/);
  });
});
