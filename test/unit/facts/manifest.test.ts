// The manifest fact, run by a real dash and bash on a manifest in a temp folder (the script's path to it
// swapped for the folder's), its output split by the real facts-script parser: no manifest, one that records
// what this run wants (the steady state: a mark, nothing else), one that records more (the file and the live
// state of what it names), and damaged ones (a host error naming the file, never ignored).
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../../src/desired/sha256.ts';
import { batchFacts, type HostFacts } from '../../../src/facts/batch.ts';
import { FactError } from '../../../src/facts/fact.ts';
import type { ManifestEntry } from '../../../src/manifest/entries.ts';
import { formatManifest, MANIFEST_PATH, steadyStateHash, withoutPriors } from '../../../src/manifest/format.ts';

function run(shell: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(shell, ['-s'], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`${shell}: ${stderr}`)) : resolve(stdout)));
    child.stdin!.end(script);
  });
}

for (const shell of ['dash', 'bash'])
  describe(`the manifest fact, run by ${shell}`, () => {
    let dir: string;
    let path: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lvsplay-manifest-'));
      path = join(dir, 'manifest.json');
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** The facts script asking for the manifest (expected to record `wanted`), run on this machine against `path`. */
    async function facts(wanted?: readonly ManifestEntry[], told = false): Promise<HostFacts> {
      const { script, parse } = batchFacts({ manifest: { ...(wanted && { steadyStateSha256: steadyStateHash(wanted) }), ...(told && { wanted }), ipvs: false } });
      return parse(await run(shell, script.replaceAll(MANIFEST_PATH, path)));
    }

    // What a router records: a file, a sysctl with the value it had before, a unit; the kernel's own ostype
    // stands in for a sysctl this machine has, so that its live value is read for real.
    const entries = (file: string): ManifestEntry[] => [
      { kind: 'file', path: file, sha256: sha256('net.ipv4.ip_forward = 1\n'), unitFile: false },
      { kind: 'sysctl', key: 'kernel.ostype', prior: 'it said "0" \\ once' },
      { kind: 'address', cidr: '192.168.10.85/24', device: 'eth1' },
    ];

    it('says there is none when the file is missing', async () => {
      assert.deepEqual((await facts([])).manifest, { state: 'none' });
    });

    it('sends only a mark when the file records what the run wants, whatever the prior values it holds', async () => {
      const recorded = entries(join(dir, 'x.conf'));
      await writeFile(path, formatManifest(recorded));
      // Asked with no prior known (null): the host leaves each prior line out of what it hashes.
      const wanted = recorded.map((e) => (e.kind === 'sysctl' ? { ...e, prior: null } : e));
      assert.deepEqual((await facts(wanted)).manifest, { state: 'as-recorded' });
      assert.equal(withoutPriors(formatManifest(recorded)), withoutPriors(formatManifest(wanted)));
    });

    it('sends the file and the live state of what it names when it records something else', async () => {
      const file = join(dir, 'x.conf');
      await writeFile(file, 'edited\n');
      const recorded = entries(file);
      const text = formatManifest([...recorded, { kind: 'file', path: join(dir, 'gone.conf'), sha256: sha256('x'), unitFile: false }]);
      await writeFile(path, text);
      const fact = (await facts(recorded)).manifest;
      assert.equal(fact?.state, 'recorded');
      if (fact?.state !== 'recorded') return;
      assert.equal(fact.text, text);
      assert.deepEqual(
        fact.entries.map((e) => e.kind),
        ['file', 'file', 'address', 'sysctl'],
      );
      assert.deepEqual(fact.facts.files.get(join(dir, 'gone.conf')), { exists: false });
      const edited = fact.facts.files.get(file);
      assert.equal(edited?.exists && edited.sha256, sha256('edited\n'));
      assert.equal(fact.facts.sysctl.get('kernel.ostype'), 'Linux');
      assert.ok(
        fact.facts.addresses.some((a) => a.device === 'lo'),
        'the addresses are listed',
      );
      assert.equal(fact.facts.ipvs, undefined, 'no IPVS table was asked for');
    });

    it('reads the live state of only what the run no longer wants when told what it wants', async () => {
      const file = join(dir, 'x.conf');
      await writeFile(file, 'edited\n');
      const recorded = entries(file);
      const gone: ManifestEntry = { kind: 'file', path: join(dir, 'gone.conf'), sha256: sha256('x'), unitFile: false };
      const leaving: ManifestEntry = { kind: 'sysctl', key: 'kernel.osrelease', prior: null };
      await writeFile(path, formatManifest([...recorded, gone, leaving]));
      const fact = (await facts(recorded, true)).manifest;
      assert.equal(fact?.state, 'recorded');
      if (fact?.state !== 'recorded') return;
      assert.equal(fact.entries.length, 5);
      assert.deepEqual([...fact.facts.files.keys()], [gone.path]);
      assert.deepEqual([...fact.facts.sysctl.keys()], ['kernel.osrelease']);
      assert.match(fact.facts.sysctl.get('kernel.osrelease') ?? '', /^\d+\.\d+/);
    });

    it('fails the host, naming the file, for a manifest that is not JSON, has an unknown field, or a newer version', async () => {
      const damaged = async (text: string, why: RegExp) => {
        await writeFile(path, text);
        await assert.rejects(facts([]), (error: Error) => {
          assert.ok(error instanceof FactError);
          assert.match(error.message, new RegExp(`^fact manifest: ${MANIFEST_PATH} is damaged: ${why.source}\\. lvsplay will not guess what it made on this host: repair the file, or move it away`));
          return true;
        });
      };
      await damaged('{"version": 1, "files": [', /not JSON \(.*\)/);
      await damaged(formatManifest([]).replace('"modules"', '"modlues"'), /the file has an unknown field "modlues"/);
      await damaged(formatManifest([]).replace('"version": 1', '"version": 2'), /version 2, written by a newer lvsplay \(this one reads version 1\)/);
    });

    it('sends only a mark when the file records IPVS timeouts with whatever prior values, and reads them once one is no longer wanted', async () => {
      const recorded: ManifestEntry[] = [...entries(join(dir, 'x.conf')), { kind: 'ipvs-timeout', name: 'tcp', prior: 900 }, { kind: 'ipvs-timeout', name: 'udp', prior: null }];
      await writeFile(path, formatManifest(recorded));
      const wanted = recorded.map((e) => (e.kind === 'sysctl' || e.kind === 'ipvs-timeout' ? { ...e, prior: null } : e));
      assert.deepEqual((await facts(wanted)).manifest, { state: 'as-recorded' });
      const fact = (await facts(wanted.slice(0, -1), true)).manifest;
      assert.equal(fact?.state, 'recorded');
      if (fact?.state !== 'recorded') return;
      assert.deepEqual(
        fact.entries.filter((e) => e.kind === 'ipvs-timeout'),
        recorded.slice(-2),
      );
      // This machine's ip_vs, loaded or not: the section was read, and parsed as the timeouts fact parses it.
      const loaded = existsSync('/sys/module/ip_vs');
      assert.equal(fact.facts.ipvsTimeouts === undefined, !loaded);
    });

    it('reads a prior value edited into something else whole, and refuses it, rather than pass it for the steady state', async () => {
      const recorded = entries(join(dir, 'x.conf'));
      await writeFile(path, formatManifest(recorded).replace(/"prior": .*$/m, '"prior": 0'));
      await assert.rejects(facts(recorded.map((e) => (e.kind === 'sysctl' ? { ...e, prior: null } : e))), /sysctl\[0\]\.prior must be a value on one line, or null/);
    });
  });
