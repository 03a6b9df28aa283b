// The registry that joins the item kinds: one facts script and one apply script per host, whatever kinds the
// host's items are of, in the engine's fixed order.
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { desiredState } from '../../../roles/index.ts';
import { applySteps } from '../../../src/apply/script.ts';
import type { ItemSpec } from '../../../src/desired/state.ts';
import { factsScript } from '../../../src/facts/gather.ts';
import { loadInventory } from '../../../src/inventory/load.ts';
import { diffsOf, sameWish } from '../../../src/items/registry.ts';
import type { PlannedItem } from '../../../src/items/planned.ts';
import { planHost } from '../../../src/plan/plan.ts';
import { NO_FACTS } from '../plan/no-facts.ts';

const DR = fileURLToPath(new URL('../../../inventories/dr.ts', import.meta.url));

async function drDirector() {
  const inventory = await loadInventory(DR);
  return desiredState(inventory, inventory.hosts.find((h) => h.name === 'lvs')!, ['director-dr']);
}

describe('the item registry', () => {
  it("asks a bare DR director's facts in one script, each fact once, in the fixed order, its manifest last", async () => {
    const { script } = factsScript(await drDirector());
    const sections = [...script.matchAll(/^echo '@@lvsplay-fact (\S+)'$/gm)].map((m) => m[1]);
    assert.deepEqual(sections, ['os-release', 'packages', 'files', 'modules', 'sysctl', 'addresses', 'units', 'systemd', 'ipvs', 'manifest', 'end']);
  });

  it("orders a bare DR director's steps packages, files, modules, handlers, addresses, units, IPVS, and credits each sysctl to its file's sysctl -p", async () => {
    const state = await drDirector();
    const steps = applySteps(planHost(state, NO_FACTS));
    const kinds = steps.map((step) => step.title.split(' ')[0]);
    assert.deepEqual(kinds, ['apt-get', 'write', 'write', 'write', 'write', 'write', 'write', 'modprobe', 'sysctl', 'systemctl', 'ip', 'systemctl', 'systemctl', 'ipvsadm']);
    const reload = steps.find((step) => step.title === 'systemctl daemon-reload')!;
    assert.deepEqual(reload.items, []);
    const load = steps.find((step) => step.title.startsWith('sysctl -p '))!;
    const sysctls = state.items.filter((item) => item.kind === 'sysctl');
    assert.ok(sysctls.length > 0);
    assert.deepEqual(
      load.items.map((item) => item.kind === 'sysctl' && item.key),
      sysctls.map((item) => item.kind === 'sysctl' && item.key),
    );
  });

  it('lets two roles persist one sysctl in their own files when they want the same value, and no other difference', () => {
    const sysctl = (value: string, file: string): ItemSpec => ({ kind: 'sysctl', key: 'net.ipv4.ip_forward', value, file });
    const file = (content: string): ItemSpec => ({ kind: 'file', path: '/etc/x', content, mode: 0o644, notify: [] });
    assert.equal(sameWish(sysctl('1', '/etc/sysctl.d/a.conf'), sysctl('1', '/etc/sysctl.d/b.conf')), true);
    assert.equal(sameWish(sysctl('1', '/etc/sysctl.d/a.conf'), sysctl('0', '/etc/sysctl.d/a.conf')), false);
    assert.equal(sameWish(file('a\n'), file('a\n')), true);
    assert.equal(sameWish(file('a\n'), file('b\n')), false);
  });

  it('shows a file it removes as a diff to nothing under --diff, read from the host like a changed one', async () => {
    const path = '/etc/sysctl.d/90-lvsplay-router.conf';
    const removal: PlannedItem = {
      kind: 'removal',
      entry: { kind: 'file', path, sha256: '0'.repeat(64), unitFile: false },
      undo: { kind: 'file', path, sha256: '0'.repeat(64), unitFile: false },
      roles: [],
      verdict: { status: 'remove', reason: 'r' },
    };
    const asked: string[] = [];
    const diffs = await diffsOf([removal], async (paths) => {
      asked.push(...paths);
      return new Map([[path, 'net.ipv4.ip_forward = 1\n']]);
    });
    assert.deepEqual(asked, [path]);
    assert.equal(diffs.length, 1);
    assert.match(diffs[0]!, /^--- \/etc\/sysctl\.d\/90-lvsplay-router\.conf\ton host\n\+\+\+ \/etc\/sysctl\.d\/90-lvsplay-router\.conf\tremoved\n@@ -1,1 \+0,0 @@\n-net\.ipv4\.ip_forward = 1\n$/m);
  });
});
