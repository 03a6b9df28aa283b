// The ipvs fact on a steady-state director: the host hashes `ipvsadm-save -n` and, when it prints as the rules
// file this run writes, sends a mark instead of the table.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderIpvsRules } from '../../../roles/parts/ipvs.ts';
import { sha256 } from '../../../src/desired/sha256.ts';
import { ipvsFact } from '../../../src/facts/ipvs.ts';
import { captured, hashesTo } from '../../../src/facts/packed.ts';
import { parseIpvsSave } from '../../../src/ipvs/parse.ts';
import { serviceKey } from '../../../src/ipvs/table.ts';
import type { Threshold } from '../../../src/inventory/model.ts';
import { svc } from '../ipvs/helpers.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/facts/${name}`, import.meta.url));
const SAVE = fixture('ipvsadm-save-n.txt');
const SHELLS = ['dash', 'bash'];

/** The services test/fixtures/facts/README.md says were loaded before ipvsadm-save-n.txt was recorded. */
const LOADED = [
  svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 3'),
  svc('tcp 172.16.10.81:443 wrr 300', '192.168.10.71:443 masq 1', '192.168.10.72:443 masq 2'),
  svc('udp 192.168.10.100:53 wlc', '192.168.10.71:53 route 1', '192.168.10.72:53 route 0'),
];

describe('captured and hashesTo: the bytes a command printed, kept in a shell variable and hashed', () => {
  /** `cat` of `input` captured, then `same` if it hashes to `sha`, else the bytes kept, printed again. */
  const run = (shell: string, input: string, sha: string): string =>
    execFileSync(shell, ['-c', [...captured('kept', 'cat'), `if ${hashesTo('kept', sha)}; then echo same; else printf %s "$kept"; fi`].join('\n')], { input, encoding: 'utf8', maxBuffer: 16 << 20 });

  for (const shell of SHELLS) {
    it(`${shell}: the recorded table and the empty one hash as their text; one newline more or less does not`, () => {
      const recorded = readFileSync(SAVE, 'utf8');
      assert.equal(run(shell, recorded, sha256(recorded)), 'same\n');
      assert.equal(run(shell, '', sha256('')), 'same\n');
      assert.equal(run(shell, `${recorded}\n`, sha256(recorded)), `${recorded}\n`);
      assert.equal(run(shell, recorded.trimEnd(), sha256(recorded)), recorded.trimEnd());
    });
  }

  it('keeps a 2,000-service × 10 real server table (22,000 lines) whole', () => {
    const port = (i: number) => 8000 + i;
    const table = Array.from({ length: 2000 }, (_, i) => svc(`tcp 192.168.10.100:${port(i)} wlc`, ...Array.from({ length: 10 }, (_, r) => `192.168.10.${71 + r}:${port(i)} route 1`)));
    const rules = renderIpvsRules(table);
    assert.equal(run('dash', rules, sha256(rules)), 'same\n');
    assert.equal(run('dash', rules, sha256('other')), rules);
  });
});

describe('ipvs fact with the rules file this run writes', () => {
  /**
   * The fact's own command, with the lab's recorded output in place of the listing and the rules file
   * in place of /etc/sysconfig/ipvsadm (a file that exists stands for /proc/net/ip_vs).
   */
  function runFact(shell: string, fact: ReturnType<typeof ipvsFact>): string {
    const command = fact.command.replaceAll('ipvsadm-save -n', `cat '${SAVE}'`).replaceAll('/proc/net/ip_vs', SAVE).replaceAll('/etc/sysconfig/ipvsadm', SAVE);
    return execFileSync(shell, ['-c', command], { encoding: 'utf8' });
  }

  for (const shell of SHELLS) {
    it(`${shell}: a live table that prints as that file sends a mark only, and the desired table stands for it`, () => {
      const fact = ipvsFact({ table: LOADED, rulesSha256: sha256(renderIpvsRules(LOADED)) });
      const output = runFact(shell, fact);
      // No threshold is wanted and the rules file is the one wanted: no thresholds are listed (no ipvsadm runs).
      assert.equal(output, '@@live-as-desired\n@@persisted\n@@as-desired\n@@thresholds\n');
      const facts = fact.parse(output);
      assert.equal(facts.live, LOADED);
      assert.deepEqual(facts.persisted, new Set(LOADED.map(serviceKey)));
      assert.deepEqual(facts.foreign, new Map());
      assert.equal(facts.liveIsRulesFile, true);
      assert.equal(facts.moduleLoaded, true);
    });

    it(`${shell}: any difference sends the table, gzipped, and the rules file's services`, () => {
      const wanted = [LOADED[0]!, LOADED[1]!, svc('udp 192.168.10.100:53 wlc', '192.168.10.71:53 route 1', '192.168.10.72:53 route 1')];
      const fact = ipvsFact({ table: wanted, rulesSha256: sha256(renderIpvsRules(wanted)) });
      const facts = fact.parse(runFact(shell, fact));
      assert.equal(facts.liveIsRulesFile, false);
      assert.deepEqual(facts.foreign, new Map());
      assert.deepEqual(facts.live, parseIpvsSave(readFileSync(SAVE, 'utf8')).table);
      assert.deepEqual(facts.persisted, new Set(LOADED.map(serviceKey)));
    });
  }

  it('runs ipvsadm-save once, and lists thresholds only of the services with a wanted one (or one in a rules file not as wanted)', () => {
    const { command } = ipvsFact({ table: LOADED, rulesSha256: 'f'.repeat(64) });
    const same = command.split('\n').find((line) => line.includes('then echo @@live-as-desired'));
    assert.match(same ?? '', /'f{64}  -' \]; then echo @@live-as-desired$/);
    assert.doesNotMatch(command, /LVSPLAY_THRESHOLDS/);
    assert.equal(command.match(/ipvsadm-save -n/g)?.length, 1, 'ipvsadm-save runs once');
    const limited = [LOADED[0]!, { ...LOADED[1]!, destinations: [{ ...LOADED[1]!.destinations[0]!, upperThreshold: 5 as Threshold }] }];
    const listed = ipvsFact({ table: limited, rulesSha256: 'f'.repeat(64), saveSha256: 'e'.repeat(64) }).command;
    assert.match(listed, /<<'LVSPLAY_THRESHOLDS'\n-t 172\.16\.10\.81:443\nLVSPLAY_THRESHOLDS\n/);
    // The live table is compared with what ipvsadm-save prints (no thresholds), the rules file with itself.
    assert.match(listed, /'e{64}  -' \]; then echo @@live-as-desired$/m);
    assert.match(listed, /sha256sum < \/etc\/sysconfig\/ipvsadm 2>\/dev\/null\)" = 'f{64}  -'/);
    for (const shell of SHELLS) execFileSync(shell, ['-n'], { input: listed });
  });

  it("sends only the rules file's service lines and its real servers with thresholds when it is not the one wanted", () => {
    const { command } = ipvsFact({ table: LOADED, rulesSha256: 'f'.repeat(64) });
    assert.match(command, /grep -e '\^-A ' -e '\^-a \.\* -\[xy\] ' \/etc\/sysconfig\/ipvsadm \| gzip -1 \| base64/);
  });

  it('lists, in one ipvsadm -R, the services of the wanted thresholds and of those in a rules file not as wanted, each once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsplay-thresholds-'));
    try {
      const rules = join(dir, 'ipvsadm');
      // lvsplay's last rules file: thresholds on port 80's rs1 and on the NAT service's rs2.
      const limitedBefore = [
        { ...LOADED[0]!, destinations: [{ ...LOADED[0]!.destinations[0]!, upperThreshold: 7 as Threshold }, LOADED[0]!.destinations[1]!] },
        { ...LOADED[1]!, destinations: [LOADED[1]!.destinations[0]!, { ...LOADED[1]!.destinations[1]!, upperThreshold: 3 as Threshold }] },
        LOADED[2]!,
      ];
      writeFileSync(rules, renderIpvsRules(limitedBefore));
      const wanted = [{ ...LOADED[0]!, destinations: [{ ...LOADED[0]!.destinations[0]!, upperThreshold: 5 as Threshold }, LOADED[0]!.destinations[1]!] }, LOADED[1]!, LOADED[2]!];
      for (const table of [wanted, LOADED]) {
        const { command } = ipvsFact({ table, rulesSha256: 'f'.repeat(64) });
        // What ipvsadm -R would read, printed instead; the rules file's stands for /proc/net/ip_vs being there.
        const fed = command.replaceAll('ipvsadm -R 2>&1', 'cat').replaceAll('/proc/net/ip_vs', rules).replaceAll('/etc/sysconfig/ipvsadm', rules);
        const output = execFileSync('dash', ['-c', fed.slice(fed.indexOf('echo @@thresholds'))], { encoding: 'utf8' });
        assert.equal(output, '@@thresholds\n-L -n --thresholds -t 172.16.10.81:443\n-L -n --thresholds -t 192.168.10.100:80\n');
      }
      // Rules file as wanted and no threshold wanted: nothing runs.
      const quiet = ipvsFact({ table: LOADED, rulesSha256: sha256(renderIpvsRules(limitedBefore)) })
        .command.replaceAll('ipvsadm -R 2>&1', 'cat')
        .replaceAll('/etc/sysconfig/ipvsadm', rules)
        .replaceAll('/proc/net/ip_vs', rules);
      assert.ok(execFileSync('dash', ['-c', quiet.replaceAll('ipvsadm-save -n', 'true')], { encoding: 'utf8' }).endsWith('@@as-desired\n@@thresholds\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
