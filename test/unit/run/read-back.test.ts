// The read-back after an apply: the facts script of only the changed items, run here by a real `sh` on files
// in a temp folder (it only reads), and its check; then how a host's items add up to its status.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../../src/desired/sha256.ts';
import type { DesiredItem, HostState, ItemSpec } from '../../../src/desired/state.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import { planHost, type PlannedItem } from '../../../src/plan/plan.ts';
import { describeItem } from '../../../src/run/describe.ts';
import { hostStatus, type ItemResult, type ItemStatus } from '../../../src/run/outcome.ts';
import { readBackOf } from '../../../src/run/read-back.ts';
import { svc } from '../ipvs/helpers.ts';
import { NO_FACTS } from '../plan/no-facts.ts';

const HOST: Host = { name: 'lvs', ssh: { host: 'lvs', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['director-dr'], extraAddresses: [], state: 'present' };

function stateOf(...items: ItemSpec[]): HostState {
  return { host: HOST, roles: ['director-dr'], items: items.map((item) => ({ ...item, roles: ['director-dr'] }) as DesiredItem) };
}

describe('the read-back of an apply', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-read-back-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads only the changed items, and proves a change by what the host shows after it', async () => {
    const written = join(dir, 'written.conf');
    const failed = join(dir, 'failed.conf');
    const untouched = join(dir, 'untouched.conf');
    const file = (path: string, content: string): ItemSpec => ({ kind: 'file', path, content, mode: 0o644, notify: [] });
    const plan = planHost(stateOf(file(written, 'new\n'), file(failed, 'new\n'), file(untouched, 'same\n')), {
      ...NO_FACTS,
      files: new Map([[untouched, { exists: true, mode: 0o644, sha256: sha256('same\n') }]]),
    });
    const readBack = readBackOf(plan);
    assert.deepEqual(
      readBack.changed.map((i) => i.kind === 'file' && i.path),
      [written, failed],
    );
    assert.ok(!readBack.script.includes(untouched), 'an item planned ok is not read back');
    // What the apply left: one file written as wanted, the other not at all.
    await writeFile(written, 'new\n');
    await chmod(written, 0o644);
    const output = execFileSync('sh', ['-s'], { input: readBack.script, encoding: 'utf8' });
    assert.deepEqual(
      readBack.check(output).map((i) => i.verdict),
      [
        { status: 'ok', reason: 'content and mode match' },
        { status: 'change', reason: 'missing' },
      ],
    );
  });

  it('reads IPVS changes back from /proc/net/ip_vs when it shows them all, from ipvsadm-save when one sets persistence', () => {
    // The facts the read-back gathers, by the section names its output is split on.
    const sections = (table: ReturnType<typeof svc>[]) => {
      const script = readBackOf(planHost(stateOf({ kind: 'ipvs', table, drainTimeouts: {} }), NO_FACTS)).script;
      return [...script.matchAll(/^echo '@@lvsplay-fact (\S+)'$/gm)].map((m) => m[1]);
    };
    assert.deepEqual(sections([svc('tcp 10.0.0.8:80 rr', '192.168.10.71:80 route 1')]), ['os-release', 'ipvs-proc', 'end']);
    assert.deepEqual(sections([svc('tcp 10.0.0.8:80 rr 300', '192.168.10.71:80 route 1')]), ['os-release', 'ipvs', 'end']);
  });
});

describe('how the report names an item', () => {
  const CASES: [ItemSpec, string][] = [
    [{ kind: 'file', path: '/etc/sysconfig/ipvsadm', content: '', mode: 0o600, notify: [] }, 'file /etc/sysconfig/ipvsadm'],
    [{ kind: 'module', name: 'ip_vs' }, 'kernel module ip_vs loaded'],
    [{ kind: 'sysctl', key: 'net.ipv4.ip_forward', value: '1', file: '/etc/sysctl.d/x.conf' }, 'sysctl net.ipv4.ip_forward = 1'],
    [{ kind: 'address', device: 'lo', cidr: { address: '192.168.10.100' as IPv4, prefix: 32 }, label: 'lo:1' }, 'address 192.168.10.100/32 on lo:1'],
    [{ kind: 'address', device: 'eth0', cidr: { address: '192.168.10.81' as IPv4, prefix: 24 } }, 'address 192.168.10.81/24 on eth0'],
    [{ kind: 'unit', name: 'a.service', startNow: true }, 'unit a.service enabled and active'],
    [{ kind: 'unit', name: 'b.service', startNow: false }, 'unit b.service enabled'],
    [{ kind: 'ipvs', table: [svc('tcp 10.0.0.8:80 rr')], drainTimeouts: {} }, 'IPVS table (1 service)'],
    [{ kind: 'ipvs', table: [], drainTimeouts: {} }, 'IPVS table (0 services)'],
    [{ kind: 'default-route', via: '192.168.10.81' as IPv4, reason: 'NAT' }, 'default route via 192.168.10.81'],
  ];
  for (const [item, name] of CASES) {
    it(name, () => assert.equal(describeItem({ ...item, roles: ['director-dr'] } as DesiredItem), name));
  }
});

describe("a host's status from its items", () => {
  const item = { kind: 'module', name: 'ip_vs', roles: ['director-dr'], verdict: { status: 'ok', reason: '' } } as PlannedItem;
  const of = (...statuses: ItemStatus[]) => hostStatus(statuses.map((status): ItemResult => ({ item, status, reason: '' })));

  it('is failed if any item failed, changed if any changed or would, ok otherwise', () => {
    assert.equal(of(), 'ok');
    assert.equal(of('ok', 'not run'), 'ok');
    assert.equal(of('ok', 'changed'), 'changed');
    assert.equal(of('would change', 'ok'), 'changed');
    assert.equal(of('changed', 'failed', 'ok'), 'failed');
  });
});
