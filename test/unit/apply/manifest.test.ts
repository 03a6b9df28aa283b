// Removals and the manifest's write in the apply script, run by a real dash and bash on files in a temp folder
// (the script's paths to the backup folder and the manifest swapped for the folder's); and the steady state:
// the manifest a run writes is what the next run's host finds to record it, so that run plans nothing.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyScript, applySteps, parseApplyOutput } from '../../../src/apply/script.ts';
import { sha256 } from '../../../src/desired/sha256.ts';
import type { DesiredItem, HostState } from '../../../src/desired/state.ts';
import { batchFacts, type HostFacts } from '../../../src/facts/batch.ts';
import type { ManifestFact } from '../../../src/facts/manifest.ts';
import { factsScript } from '../../../src/facts/gather.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import type { ManifestEntry } from '../../../src/manifest/entries.ts';
import { formatManifest, MANIFEST_PATH, parseManifest } from '../../../src/manifest/format.ts';
import { pendingItems, planHost } from '../../../src/plan/plan.ts';
import { NO_FACTS } from '../plan/no-facts.ts';

const HOST: Host = { name: 'h', ssh: { host: 'h', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['router'], extraAddresses: [], state: 'present' };

// In a network namespace of its own: the scripts run `sysctl -p` and `sysctl -w` of net.ipv4 keys, which
// must change that throwaway namespace, never this machine.
function run(shell: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('unshare', ['--map-root-user', '--net', shell, '-s'], (error, stdout, stderr) => (error && typeof error.code !== 'number' ? reject(new Error(stderr)) : resolve(stdout)));
    child.stdin!.end(script);
  });
}

function fileItem(path: string, content: string): DesiredItem {
  return { kind: 'file', path, content, mode: 0o644, notify: [], roles: ['router'] };
}

/** A manifest on the host recording `entries`, each file among them still there unless `gone`. */
function recorded(entries: readonly ManifestEntry[], gone: readonly string[] = []): ManifestFact {
  const files = new Map(entries.flatMap((e) => (e.kind === 'file' ? [[e.path, gone.includes(e.path) ? { exists: false as const } : { exists: true as const, mode: 0o644, sha256: e.sha256 }]] : [])));
  return { state: 'recorded', text: formatManifest(entries), entries, facts: { files, units: new Map(), sysctl: new Map(), addresses: [], ipvs: undefined } };
}

for (const shell of ['dash', 'bash'])
  describe(`removals and the manifest in the apply script, run by ${shell}`, () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lvsplay-apply-manifest-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const manifestPath = () => join(dir, 'var/lib/lvsplay/manifest.json');

    async function apply(state: HostState, facts: HostFacts): Promise<{ titles: string[]; outcome: ReturnType<typeof parseApplyOutput> }> {
      const steps = applySteps(planHost(state, facts));
      const script = applyScript(steps, 'run-1')
        .replace(/^lvsplay_backup=.*$/m, `lvsplay_backup='${dir}/backup'`)
        .replaceAll(MANIFEST_PATH, manifestPath());
      return { titles: steps.map((s) => s.title), outcome: parseApplyOutput(await run(shell, script)) };
    }

    it('removes a file it made before writing any, keeps a copy in the backup folder, and records only what it wants now', async () => {
      const old = join(dir, 'etc/sysctl.d/90-old.conf');
      const wanted = join(dir, 'etc/sysctl.d/90-new.conf');
      await mkdir(join(dir, 'etc/sysctl.d'), { recursive: true });
      await writeFile(old, 'net.ipv4.ip_forward = 1\n');
      const oldEntry: ManifestEntry = { kind: 'file', path: old, sha256: sha256('net.ipv4.ip_forward = 1\n'), unitFile: false };
      const state: HostState = { host: HOST, roles: ['router'], items: [fileItem(wanted, 'x = 1\n')] };
      const { titles, outcome } = await apply(state, { ...NO_FACTS, manifest: recorded([oldEntry]) });
      assert.deepEqual(titles, [`remove ${old}`, `write ${wanted}`, `write ${MANIFEST_PATH}`]);
      assert.deepEqual(outcome, { ok: [1, 2, 3] });
      await assert.rejects(readFile(old), /ENOENT/);
      assert.equal(await readFile(join(dir, 'backup', old), 'utf8'), 'net.ipv4.ip_forward = 1\n');
      assert.deepEqual(parseManifest(await readFile(manifestPath(), 'utf8')), [{ kind: 'file', path: wanted, sha256: sha256('x = 1\n'), unitFile: false }]);
    });

    it('after a failed step still writes the manifest, keeping what it was to remove and what it wanted', async () => {
      const old = join(dir, 'old.conf');
      await writeFile(old, 'old\n');
      const blocked = join(dir, 'file-not-dir');
      await writeFile(blocked, '');
      const oldEntry: ManifestEntry = { kind: 'file', path: old, sha256: sha256('old\n'), unitFile: false };
      const state: HostState = { host: HOST, roles: ['router'], items: [fileItem(join(blocked, 'x.conf'), 'x\n')] };
      const { titles, outcome } = await apply(state, { ...NO_FACTS, manifest: recorded([oldEntry]) });
      assert.equal(titles.length, 3);
      assert.deepEqual(outcome.ok, [1, 3], 'the manifest step ran after the failed one');
      assert.equal(outcome.failed?.id, 2);
      const kept = parseManifest(await readFile(manifestPath(), 'utf8')).map((e) => e.kind === 'file' && e.path);
      assert.deepEqual(kept, [old, join(blocked, 'x.conf')].sort());
    });

    it("credits removals and the manifest to the run's roles, so that a --role run reports them under its role", () => {
      const old = join(dir, 'old.conf');
      const entry: ManifestEntry = { kind: 'file', path: old, sha256: sha256('x'), unitFile: false };
      const state: HostState = { host: HOST, roles: ['router'], items: [] };
      const plan = planHost(state, { ...NO_FACTS, manifest: recorded([entry]) });
      assert.deepEqual(
        plan.items.map((i) => [i.kind, i.roles]),
        [
          ['removal', ['router']],
          ['manifest', ['router']],
        ],
      );
    });

    it('leaves an entry already gone out of the steps, and removes the manifest once it records nothing', async () => {
      const gone = join(dir, 'gone.conf');
      const entry: ManifestEntry = { kind: 'file', path: gone, sha256: sha256('x'), unitFile: false };
      const state: HostState = { host: HOST, roles: ['router'], items: [] };
      const plan = planHost(state, { ...NO_FACTS, manifest: recorded([entry], [gone]) });
      assert.deepEqual(
        plan.items.map((i) => i.verdict.status),
        ['ok', 'change'],
      );
      await mkdir(join(dir, 'var/lib/lvsplay'), { recursive: true });
      await writeFile(manifestPath(), formatManifest([entry]));
      const { titles, outcome } = await apply(state, { ...NO_FACTS, manifest: recorded([entry], [gone]) });
      assert.deepEqual(titles, [`remove ${MANIFEST_PATH}`]);
      assert.deepEqual(outcome, { ok: [1] });
      assert.equal(existsSync(manifestPath()), false);
    });

    it('removes nothing on a run for only some of the host roles, and keeps the entries it does not want', async () => {
      const other = join(dir, 'other-role.conf');
      const entry: ManifestEntry = { kind: 'file', path: other, sha256: sha256('x'), unitFile: false };
      const host: Host = { ...HOST, roles: ['router', 'director-nat'] };
      const state: HostState = { host, roles: ['router'], items: [fileItem(join(dir, 'mine.conf'), 'y\n')] };
      const plan = planHost(state, { ...NO_FACTS, manifest: recorded([entry]) });
      assert.ok(plan.items.every((i) => i.kind !== 'removal'));
      const manifest = plan.items.find((i) => i.kind === 'manifest');
      assert.ok(manifest?.kind === 'manifest' && manifest.write);
      assert.deepEqual(
        parseManifest(manifest.write.content ?? '').map((e) => e.kind === 'file' && e.path),
        [other, join(dir, 'mine.conf')].sort(),
      );
    });

    it('writes a manifest the next run finds up to date: a converged host then plans nothing and writes nothing', async () => {
      const file = join(dir, 'etc/sysctl.d/90-lvsplay-router.conf');
      const state: HostState = {
        host: HOST,
        roles: ['router'],
        items: [fileItem(file, 'net.ipv4.ip_forward = 1\n'), { kind: 'sysctl', key: 'net.ipv4.ip_forward', value: '1', file, roles: ['router'] }],
      };
      // The first run, on a bare host: ip_forward was 0, so that is its prior value.
      const first = await apply(state, { ...NO_FACTS, files: new Map([[file, { exists: false }]]), sysctl: new Map([['net.ipv4.ip_forward', '0']]), manifest: { state: 'none' } });
      assert.equal(first.outcome.failed, undefined);
      const written = await readFile(manifestPath(), 'utf8');
      assert.deepEqual(
        parseManifest(written).find((e) => e.kind === 'sysctl'),
        { kind: 'sysctl', key: 'net.ipv4.ip_forward', prior: '0' },
      );
      // The second run's host checks that manifest with the script the engine sends (its path swapped).
      const { script } = factsScript(state);
      const manifestOnly = batchFacts({ manifest: { steadyStateSha256: /'([0-9a-f]{64})  -'/.exec(script.slice(script.indexOf("echo '@@lvsplay-fact manifest'")))![1]!, ipvs: false } });
      const fact = manifestOnly.parse(await run(shell, manifestOnly.script.replaceAll(MANIFEST_PATH, manifestPath())));
      assert.deepEqual(fact.manifest, { state: 'as-recorded' });
      const converged: HostFacts = {
        ...NO_FACTS,
        files: new Map([[file, { exists: true, mode: 0o644, sha256: sha256('net.ipv4.ip_forward = 1\n') }]]),
        sysctl: new Map([['net.ipv4.ip_forward', '1']]),
        manifest: fact.manifest,
      };
      const plan = planHost(state, converged);
      assert.deepEqual(pendingItems(plan), []);
      assert.deepEqual(applySteps(plan), []);
      assert.equal(await readFile(manifestPath(), 'utf8'), written);
    });
  });
