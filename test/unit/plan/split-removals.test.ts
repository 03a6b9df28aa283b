// A real server's plan cut in two: its changes before its directors send it traffic, its removals only once
// they have drained it (applied in the run's last stage).
import { strict as assert } from 'node:assert';
import { sha256 } from '../../../src/desired/sha256.ts';
import type { HostState } from '../../../src/desired/state.ts';
import type { ManifestFact } from '../../../src/facts/manifest.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import type { ManifestEntry } from '../../../src/manifest/entries.ts';
import { formatManifest, parseManifest } from '../../../src/manifest/format.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import { planHost, splitRemovals } from '../../../src/plan/plan.ts';
import { mergeResults, type HostResult } from '../../../src/run/outcome.ts';
import { NO_FACTS } from './no-facts.ts';

const HOST: Host = { name: 'rs2', ssh: { host: 'rs2', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['realserver-dr'], extraAddresses: [], state: 'present' };
const OLD_VIP: ManifestEntry = { kind: 'address', cidr: '192.168.10.101/32', device: 'lo', label: 'lo:2' };
const OLD_UNIT_FILE: ManifestEntry = { kind: 'file', path: '/etc/systemd/system/lvsplay-old.service', sha256: sha256('[Unit]\n'), unitFile: true };
const STATE: HostState = {
  host: HOST,
  roles: ['realserver-dr'],
  items: [{ kind: 'address', device: 'lo', cidr: { address: '192.168.10.100' as IPv4, prefix: 32 }, label: 'lo:1', roles: ['realserver-dr'] }],
};

/** The manifest recording the old VIP and a unit file, both still on the host. */
function recorded(entries: readonly ManifestEntry[]): ManifestFact {
  const files = new Map([[OLD_UNIT_FILE.kind === 'file' ? OLD_UNIT_FILE.path : '', { exists: true as const, mode: 0o644, sha256: sha256('[Unit]\n') }]]);
  const addresses = [{ device: 'lo', cidr: { address: '192.168.10.101' as IPv4, prefix: 32 }, label: 'lo:2' }];
  return { state: 'recorded', text: formatManifest(entries), entries, facts: { files, units: new Map(), sysctl: new Map(), addresses, ipvs: undefined } as never };
}

describe("a real server's removals, left for after its directors", () => {
  const facts = { ...NO_FACTS, manifest: recorded([OLD_VIP, OLD_UNIT_FILE]) };
  const plan = planHost(STATE, facts);

  it('cuts the plan into its changes and its removals, each with the handlers its own items fire', () => {
    const split = splitRemovals(plan, facts);
    assert.ok(split);
    assert.deepEqual(
      split.changes.items.map((i) => [i.kind, i.verdict.status]),
      [
        ['address', 'change'],
        ['manifest', 'change'],
      ],
    );
    assert.deepEqual(
      split.removals.items.map((i) => [i.kind, i.verdict.status]),
      [
        ['removal', 'remove'],
        ['removal', 'remove'],
        ['manifest', 'change'],
      ],
    );
    assert.deepEqual(split.changes.handlers, []);
    assert.deepEqual(split.removals.handlers, [{ kind: 'daemon-reload' }]);
  });

  it('has the changes write a manifest that still records what the removals will undo; the removals write the final one', () => {
    const split = splitRemovals(plan, facts)!;
    const written = (p: typeof plan) => {
      const manifest = p.items.find((i) => i.kind === 'manifest');
      assert.ok(manifest?.kind === 'manifest' && manifest.write);
      return { content: manifest.write.content === null ? null : parseManifest(manifest.write.content).map((e) => e.kind), fallback: parseManifest(manifest.write.fallback).map((e) => e.kind) };
    };
    assert.deepEqual(written(split.changes), { content: ['file', 'address', 'address'], fallback: ['file', 'address', 'address'] });
    assert.deepEqual(written(split.removals), { content: ['address'], fallback: ['file', 'address', 'address'] });
  });

  it('leaves a plan with nothing to remove whole', () => {
    assert.equal(splitRemovals(planHost(STATE, { ...NO_FACTS, manifest: recorded([]) }), NO_FACTS), undefined);
    assert.equal(splitRemovals(planHost(STATE, NO_FACTS), NO_FACTS), undefined);
  });

  it('reports the two parts as one result: each item once, the manifest as the removals left it, a failure kept', () => {
    const split = splitRemovals(plan, facts)!;
    const result = (items: typeof plan.items, status: HostResult['status'], error?: string): HostResult => ({
      host: 'rs2',
      status,
      items: items.map((item) => ({ item, status: status === 'failed' ? 'failed' : 'changed', reason: 'r' })),
      unmanaged: [],
      diffs: [],
      ...(error && { error }),
    });
    const merged = mergeResults(result(split.changes.items, 'changed'), result(split.removals.items, 'changed'));
    assert.deepEqual(
      merged.items.map((i) => i.item.kind),
      ['address', 'removal', 'removal', 'manifest'],
    );
    assert.equal(merged.items.at(-1)!.item, split.removals.items.at(-1));
    assert.equal(merged.status, 'changed');
    const failed = mergeResults(result(split.changes.items, 'changed'), result(split.removals.items, 'failed', 'step 2 failed'));
    assert.deepEqual([failed.status, failed.error], ['failed', 'step 2 failed']);
  });
});
