// The IPVS timeout item kind: its verdicts and reasons, the one `ipvsadm --set` for all changed timeouts,
// the prior value the manifest keeps, and removal putting that back.
import { strict as assert } from 'node:assert';
import type { IpvsTimeoutItem } from '../../../src/desired/state.ts';
import type { IpvsTimeouts } from '../../../src/facts/ipvs-timeouts.ts';
import type { RecordedFacts } from '../../../src/facts/manifest.ts';
import { ipvsTimeoutKind } from '../../../src/items/ipvs-timeout.ts';
import type { Removal } from '../../../src/items/kind.ts';
import type { PlannedItem } from '../../../src/items/planned.ts';
import { factRequestOf, readBackItem, stepDrafts } from '../../../src/items/registry.ts';
import { NO_LONGER_WANTED } from '../../../src/items/removal-words.ts';
import { entryKey, type IpvsTimeoutEntry } from '../../../src/manifest/entries.ts';
import { formatManifest, parseManifest, withoutPriors } from '../../../src/manifest/format.ts';

const UNIT = '/etc/systemd/system/lvsplay-ipvs-timeouts.service';
const item = (name: IpvsTimeoutItem['name'], seconds: number): IpvsTimeoutItem => ({ kind: 'ipvs-timeout', name, seconds, unitFile: UNIT });
const live = (tcp: number, tcpFin: number, udp: number): IpvsTimeouts => ({ tcp, tcpFin, udp });
const planned = (i: IpvsTimeoutItem) => ({ ...i, roles: [], verdict: { status: 'change' as const, reason: 'r' } });
const entry = (name: IpvsTimeoutEntry['name'], prior: number | null): IpvsTimeoutEntry => ({ kind: 'ipvs-timeout', name, prior });
const removal = (e: IpvsTimeoutEntry): Removal<IpvsTimeoutEntry> => ({ kind: 'removal', entry: e, undo: e, roles: [], verdict: { status: 'remove', reason: 'r' } });
const recorded = (timeouts?: IpvsTimeouts): RecordedFacts => ({ files: new Map(), units: new Map(), sysctl: new Map(), addresses: [], ipvs: undefined, ...(timeouts && { ipvsTimeouts: timeouts }) });
const noUnit = new Map([[UNIT, { exists: false as const }]]);
const withUnit = new Map([[UNIT, { exists: true as const, mode: 0o644, sha256: 'x' }]]);

describe('the IPVS timeout item kind', () => {
  it('is ok at the wanted value, a change at another, and a change while ip_vs is not loaded', () => {
    const plan = (timeouts?: IpvsTimeouts) => ipvsTimeoutKind.plan(item('tcpFin', 30), { files: new Map(), ...(timeouts && { ipvsTimeouts: timeouts }) }).verdict;
    assert.deepEqual(plan(live(900, 30, 300)), { status: 'ok', reason: 'tcpfin timeout is 30 s' });
    assert.deepEqual(plan(live(900, 120, 300)), { status: 'change', reason: 'tcpfin timeout is 120 s, wants 30 s' });
    assert.deepEqual(plan(undefined), { status: 'change', reason: "ip_vs is not loaded yet: its tcpfin timeout will start at the kernel's 120 s" });
    assert.deepEqual(ipvsTimeoutKind.facts(item('tcp', 1), []), { ipvsTimeouts: true });
  });

  it('sets every changed timeout in one ipvsadm --set, 0 for the others', () => {
    const changed = [planned(item('udp', 60)), planned(item('tcp', 3600))];
    assert.deepEqual(ipvsTimeoutKind.steps!(changed), [{ title: 'ipvsadm --set 3600 0 60', items: changed, body: 'ipvsadm --set 3600 0 60' }]);
    assert.deepEqual(ipvsTimeoutKind.steps!([]), []);
  });

  it("records as prior the live value, the kernel's while ip_vs is not loaded, or null on a host lvsplay set up before its manifest", () => {
    const record = (facts: Parameters<NonNullable<typeof ipvsTimeoutKind.record>>[1]) => ipvsTimeoutKind.record!(item('tcp', 3600), facts);
    assert.deepEqual(record({ facts: { files: noUnit, ipvsTimeouts: live(1000, 120, 300) }, earlier: undefined, manifest: false }), entry('tcp', 1000));
    assert.deepEqual(record({ facts: { files: noUnit }, earlier: undefined, manifest: false }), entry('tcp', 900));
    assert.deepEqual(record({ facts: { files: withUnit, ipvsTimeouts: live(3600, 120, 300) }, earlier: undefined, manifest: false }), entry('tcp', null));
    // A manifest without it: lvsplay never set it, whatever files there are.
    assert.deepEqual(record({ facts: { files: withUnit, ipvsTimeouts: live(1000, 120, 300) }, earlier: undefined, manifest: true }), entry('tcp', 1000));
    // Kept from the run that first recorded it.
    assert.deepEqual(record({ facts: { files: noUnit, ipvsTimeouts: live(3600, 120, 300) }, earlier: entry('tcp', 450), manifest: true }), entry('tcp', 450));
    assert.deepEqual(ipvsTimeoutKind.record!(item('tcp', 3600)), entry('tcp', null));
    assert.equal(entryKey(entry('tcpFin', 1)), ipvsTimeoutKind.key(item('tcpFin', 5)));
  });

  it('judges a removed timeout on its live value against its prior one', () => {
    const judge = (e: IpvsTimeoutEntry, timeouts?: IpvsTimeouts) => ipvsTimeoutKind.planRemoval!(e, recorded(timeouts)).verdict;
    assert.deepEqual(judge(entry('udp', 300), live(900, 120, 60)), { status: 'remove', reason: `${NO_LONGER_WANTED}: put back to 300 s, its value before lvsplay set it (now 60 s)` });
    assert.deepEqual(judge(entry('udp', 300), live(900, 120, 300)), { status: 'ok', reason: `${NO_LONGER_WANTED}, and already 300 s, its value before lvsplay set it` });
    assert.deepEqual(judge(entry('udp', null), live(900, 120, 60)), {
      status: 'ok',
      reason: `${NO_LONGER_WANTED}: left at 60 s, since its value before lvsplay set it is unknown; the kernel's 300 s holds from the next boot`,
    });
    assert.deepEqual(judge(entry('udp', 30)), { status: 'ok', reason: `${NO_LONGER_WANTED}, and ip_vs is not loaded: the udp timeout starts at the kernel's 300 s when it is` });
  });

  it('puts removed timeouts back in one ipvsadm --set, and reads them back', () => {
    const removed = [removal(entry('tcp', 900)), removal(entry('udp', 300))];
    assert.deepEqual(ipvsTimeoutKind.removeSteps!(removed), [{ title: 'ipvsadm --set 900 0 300', items: removed, body: 'ipvsadm --set 900 0 300' }]);
    assert.deepEqual(ipvsTimeoutKind.removeSteps!([removal(entry('tcp', null))]), []);
    assert.deepEqual(ipvsTimeoutKind.removalReadBackFacts!(entry('tcp', 900)), { ipvsTimeouts: true });
  });

  it("keeps its prior in the manifest, out of the steady-state text as a sysctl's, and reads it back", () => {
    const entries = [entry('tcp', 900), entry('udp', null), { kind: 'sysctl' as const, key: 'net.ipv4.vs.sloppy_tcp', prior: '0' }];
    const text = formatManifest(entries);
    assert.deepEqual(parseManifest(text), [entries[2], entries[0], entries[1]]);
    assert.match(text, /"ipvsTimeouts": \[\n {4}\{\n {6}"timeout": "tcp",\n {6}"prior": "900"\n/);
    assert.equal(withoutPriors(text), withoutPriors(formatManifest([entry('tcp', 450), entry('udp', 300), { ...entries[2]!, prior: null }])));
    // A manifest with no timeout has no section: the bytes of every manifest written before are the same.
    assert.doesNotMatch(formatManifest([entries[2]!]), /ipvsTimeouts/);
    assert.throws(() => parseManifest(text.replace('"tcp"', '"tcpfin"')), /ipvsTimeouts\[0\]\.timeout must be one of tcp, tcpFin, udp/);
    assert.throws(() => parseManifest(text.replace('"900"', '900')), /ipvsTimeouts\[0\]\.prior must be seconds as a string of digits, or null/);
  });

  it('in the host script: after the module is loaded and the table written, removals before any addition; read back by the timeouts fact alone', () => {
    const module = { kind: 'module' as const, name: 'ip_vs', roles: [], verdict: { status: 'change' as const, reason: 'r' } };
    const timeout = planned(item('tcp', 3600));
    const leaving = { ...removal(entry('udp', 300)), roles: [] };
    const titles = stepDrafts([timeout, module, leaving] as PlannedItem[], []).map((step) => step.title);
    assert.deepEqual(titles, ['ipvsadm --set 0 0 300', 'modprobe ip_vs', 'ipvsadm --set 3600 0 0']);
    assert.equal(factRequestOf([item('tcp', 1), item('udp', 2)]).ipvsTimeouts, true);
    const read = (timeouts: IpvsTimeouts) => readBackItem(timeout as PlannedItem, { ipvsTimeouts: timeouts } as never).verdict;
    assert.deepEqual(read(live(3600, 120, 300)), { status: 'ok', reason: 'tcp timeout is 3600 s' });
    assert.deepEqual(read(live(900, 120, 300)), { status: 'change', reason: 'tcp timeout is 900 s, wants 3600 s' });
  });
});
