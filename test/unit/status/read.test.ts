// A director of a pair read end to end without SSH: the wants of a pair inventory, the status script run by
// a real sh in a network namespace holding the DIP and the VIP (a stub systemctl says keepalived runs),
// parsed and set against the inventory.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desiredState } from '../../../roles/index.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import type { Port } from '../../../src/inventory/model.ts';
import type { Dial } from '../../../src/run/host-run.ts';
import { NO_BECOME_OPTIONS } from '../../../src/ssh/become.ts';
import type { HostConnection } from '../../../src/ssh/connection.ts';
import { DirectorReader } from '../../../src/status/read.ts';
import { directRoute } from '../../../src/ssh/route.ts';
import type { DirectorView } from '../../../src/status/view.ts';
import { directorsOf } from '../../../src/status/wants.ts';
import { baseInventory } from '../inventory/cases.ts';

describe('status: a director of a pair, read', () => {
  let stub: string;
  before(() => {
    stub = mkdtempSync(join(tmpdir(), 'lvsplay-systemctl-'));
    writeFileSync(join(stub, 'systemctl'), '#!/bin/sh\n[ "$*" = "is-active keepalived.service" ] && echo active && exit 0\nexit 1\n', { mode: 0o755 });
  });
  after(() => rmSync(stub, { recursive: true, force: true }));

  it('asks for the VRRP part and checks keepalived’s real servers: MASTER, its service missing (no ip_vs here)', async () => {
    const inv = baseInventory('dr');
    inv.hosts.lvs2 = { ...structuredClone(inv.hosts.lvs), interfaces: { eth0: '192.168.10.82/24' } };
    delete inv.services[0].director;
    inv.services[0].directors = ['lvs', 'lvs2'];
    inv.services[0].healthCheck = { type: 'tcp' };
    const [lvs] = directorsOf(checkInventory('inventory.ts', inv), desiredState, ['lvs']);
    const scripts: string[] = [];
    const setup = `ip link set lo up && ip addr add 192.168.10.81/24 dev lo && ip addr add 192.168.10.100/32 dev lo && PATH=${stub}:/usr/sbin:/usr/bin:/sbin:/bin`;
    const connection: HostConnection = {
      host: 'lvs',
      address: '127.0.0.1',
      exec: async (command, stdin) => {
        scripts.push(stdin ?? '');
        const stdout = execFileSync('unshare', ['--map-root-user', '--net', 'sh', '-c', `${setup} ${command}`], { input: stdin, encoding: 'utf8' });
        return { code: 0, stdout, stderr: '' };
      },
      close: async () => undefined,
    };
    const dial: Dial = async () => connection;
    const reader = new DirectorReader(lvs!.host, lvs!.wants, {
      route: directRoute({ host: '127.0.0.1', port: 22 as Port, user: 'root' }),
      dial,
      commandTimeoutSeconds: 30,
      become: NO_BECOME_OPTIONS,
      ssh: { knownHostsFile: '/dev/null', acceptNewHostKeys: false, connectTimeoutMs: 1000, commandTimeoutMs: 1000 },
    });
    const view = (await reader.read()) as Extract<DirectorView, { state: 'read' }>;
    assert.equal(view.state, 'read', JSON.stringify(view));
    assert.match(scripts[0]!, /^echo '@@lvsplay-status vrrp'$/m);
    assert.deepEqual(view.vrrp, { state: 'MASTER', vips: ['192.168.10.100'] });
    assert.deepEqual(
      view.services.map((s) => [s.key, s.ownership, s.drift]),
      [['tcp 192.168.10.100:80', 'keepalived', [{ kind: 'missing' }]]],
    );
    // keepalived's real servers are TCP-checked as lvsplay's are.
    assert.deepEqual(
      view.services[0]!.realServers.map((r) => [r.key, r.tcp !== undefined]),
      [
        ['192.168.10.71:80', true],
        ['192.168.10.72:80', true],
      ],
    );
  });
});
