// The lab tier's pure parts: Ansible's inventory for the lab and its recap, the ratio targets, the undo and
// state scripts (parsed by sh, not run). No VM.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import { performance } from 'node:perf_hooks';
import { ansibleInventory, measureWithSetup, parseAnsibleRecap, ratioTarget, STATE_SCRIPT, tierArgs, UNDO_SCRIPT } from '../../../bench/tiers/lab.ts';
import { summarize } from '../../../bench/lib/measure.ts';

const key = '/root/.cache/lvsplay-lab/x/id_ed25519';
const at = (port: number) => ({ host: '127.0.0.1', port, user: 'root', privateKey: key });

describe('bench lab tier: Ansible inventory', () => {
  it('groups hosts by role and reaches each on its forwarded port', () => {
    const text = ansibleInventory([
      { name: 'router', roles: ['router'], access: at(4001) },
      { name: 'lvs', roles: ['director-dr'], access: at(4002) },
      { name: 'rs1', roles: ['realserver-dr'], access: at(4003) },
      { name: 'rs2', roles: ['realserver-dr'], access: at(4004) },
    ]);
    const inventory = parse(text) as { all: { children: Record<string, { hosts: Record<string, Record<string, unknown>> }> } };
    const groups = inventory.all.children;
    assert.deepEqual(Object.keys(groups).sort(), ['directors_dr', 'realservers_dr', 'routers']);
    assert.deepEqual(Object.keys(groups.realservers_dr!.hosts), ['rs1', 'rs2']);
    assert.deepEqual(groups.directors_dr!.hosts.lvs, {
      ansible_host: '127.0.0.1',
      ansible_port: 4002,
      ansible_user: 'root',
      ansible_ssh_private_key_file: key,
    });
  });

  it('refuses a role the playbook has no group for', () => {
    assert.throws(() => ansibleInventory([{ name: 'lvs', roles: ['director-nat'], access: at(1) }]), /no Ansible group for role director-nat/);
  });
});

describe('bench lab tier: Ansible recap', () => {
  it('reads ok/changed/unreachable/failed per host from PLAY RECAP', () => {
    const out = [
      'TASK [x] ***',
      'changed: [lvs]',
      '',
      'PLAY RECAP *********************************************************************',
      'lvs                        : ok=18   changed=9    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   ',
      'router                     : ok=3    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0   ',
      '',
    ].join('\n');
    const recap = parseAnsibleRecap(out);
    assert.deepEqual(recap.get('lvs'), { ok: 18, changed: 9, unreachable: 0, failed: 0 });
    assert.deepEqual(recap.get('router'), { ok: 3, changed: 0, unreachable: 1, failed: 0 });
    assert.equal(parseAnsibleRecap('no recap').size, 0);
  });
});

describe('bench lab tier: targets and arguments', () => {
  it('compares medians with the limit and shows the min ratio beside', () => {
    const floor = summarize('floor', [2, 2.5, 3]);
    const met = ratioTarget('t', summarize('lvsplay', [3, 3.5, 4]), floor, 1.5);
    assert.equal(met.met, true);
    assert.match(met.measured, /1\.40x by median \(1\.50x by min\)/);
    const missed = ratioTarget('t', summarize('lvsplay', [4, 4, 4]), floor, 1.5, 'why');
    assert.equal(missed.met, false);
    assert.equal(missed.note, 'why');
  });

  it('takes --repeat (at least 3) and --json', () => {
    assert.deepEqual(tierArgs([]), { repeat: 3 });
    assert.deepEqual(tierArgs(['--repeat', '5', '--json', 'out.json']), { repeat: 5, json: 'out.json' });
    assert.throws(() => tierArgs(['--repeat', '2']), /at least|≥ 3/);
  });
});

describe('bench lab tier: timing', () => {
  // A clock of the test's own in place of performance.now, moved on by each phase: what is counted is exact,
  // and a busy machine cannot change it.
  it('times only the repetition: setup before and verify after are not counted, and both run each time', async () => {
    const calls: string[] = [];
    let now = 0;
    performance.now = () => now;
    try {
      const m = await measureWithSetup(
        'x',
        3,
        async (rep) => {
          calls.push(`setup ${rep}`);
          now += 150;
        },
        async (rep) => {
          calls.push(`run ${rep}`);
          now += 10 * (rep + 1);
          return {
            peakRssMb: 100 + rep,
            verify: async () => {
              calls.push(`verify ${rep}`);
              now += 150;
            },
          };
        },
        () => {},
      );
      assert.deepEqual(m.seconds, [0.01, 0.02, 0.03]);
      assert.equal(m.peakRssMb, 102);
    } finally {
      // The instance's own property goes; the prototype's now is back.
      delete (performance as { now?: unknown }).now;
    }
    assert.ok(performance.now() > 0);
    assert.deepEqual(calls, ['setup 0', 'run 0', 'verify 0', 'setup 1', 'run 1', 'verify 1', 'setup 2', 'run 2', 'verify 2']);
  });
});

describe('bench lab tier: host scripts', () => {
  for (const [name, script] of [
    ['undo', UNDO_SCRIPT],
    ['state', STATE_SCRIPT],
  ] as const) {
    it(`the ${name} script is valid sh`, () => {
      execFileSync('sh', ['-n'], { input: script });
    });
  }
});
