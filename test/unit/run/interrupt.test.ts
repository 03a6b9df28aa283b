import { strict as assert } from 'node:assert';
import { desiredState } from '../../../roles/index.ts';
import type { Port } from '../../../src/inventory/model.ts';
import { loadInventory } from '../../../src/inventory/load.ts';
import { HostRun } from '../../../src/run/host-run.ts';
import { directRoute } from '../../../src/ssh/route.ts';
import { NO_BECOME_OPTIONS } from '../../../src/ssh/become.ts';
import { freePort } from '../ssh/sshd-fixture.ts';

describe('a host run after the run was interrupted', function () {
  this.timeout(30_000);

  it('connects to nothing and reports the host interrupted, in a real run and with --check', async () => {
    const inventory = await loadInventory('inventories/dr.ts');
    const host = inventory.hosts.find((h) => h.name === 'rs1')!;
    // Nothing listens there: a connection attempt would make the host "unreachable".
    const port = (await freePort()) as Port;
    const state = desiredState(inventory, host, host.roles);
    const controller = new AbortController();
    controller.abort('SIGINT');
    for (const check of [false, true]) {
      const run = new HostRun(state, {
        check,
        diff: false,
        runId: 'test',
        commandTimeoutSeconds: 5,
        interrupt: controller.signal,
        route: directRoute({ host: '127.0.0.1', port, user: 'root' }),
        become: NO_BECOME_OPTIONS,
        ssh: { acceptNewHostKeys: false, connectTimeoutMs: 5_000, commandTimeoutMs: 5_000 },
      });
      await run.prepare();
      const result = check ? run.plannedResult() : await run.apply();
      assert.deepEqual(result, { host: 'rs1', status: 'interrupted', items: [], error: 'not started (facts not gathered); nothing was changed', unmanaged: [], diffs: [] });
      assert.equal(run.applying, false);
      await run.close();
    }
  });
});
