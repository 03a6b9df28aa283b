import { strict as assert } from 'node:assert';
import { systemdHierarchies } from '../../../bench/fleet/cgroups.ts';
import { partOf, summarizeProfile, type CpuProfile } from '../../../bench/fleet/profile.ts';

describe('bench fleet: cgroup hierarchies from mountinfo', () => {
  it('finds cgroup2 and the v1 name=systemd hierarchy on a hybrid host', () => {
    const mountinfo = [
      '30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '39 30 0:35 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
      '40 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    assert.deepEqual(systemdHierarchies(mountinfo), { unified: '/sys/fs/cgroup/unified', named: '/sys/fs/cgroup/systemd' });
  });

  it('finds the one cgroup2 mount of a unified host', () => {
    assert.deepEqual(systemdHierarchies('30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate'), { unified: '/sys/fs/cgroup' });
  });
});

describe('bench fleet: CPU profile summary', () => {
  it('names the part of the code a frame belongs to', () => {
    assert.equal(partOf('file:///w/node_modules/ssh2/lib/protocol/crypto.js', 'f'), 'ssh2 (crypto)');
    assert.equal(partOf('file:///w/node_modules/ssh2/lib/client.js', 'f'), 'ssh2');
    assert.equal(partOf('file:///w/node_modules/@scope/pkg/x.js', 'f'), '@scope/pkg');
    assert.equal(partOf('node:internal/modules/cjs/loader', 'wrapSafe'), 'node internals');
    assert.equal(partOf('file:///w/src/ssh/connection.ts', 'connect'), 'lvsplay (src/, roles/)');
    assert.equal(partOf('', '(garbage collector)'), 'GC');
    assert.equal(partOf('', '(idle)'), 'idle');
  });

  it('adds self time per part and finds the first sample inside connect()', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 5] },
        { id: 2, callFrame: frame('load', 'node:internal/modules/esm/loader'), children: [] },
        { id: 3, callFrame: frame('connect', 'file:///w/src/ssh/connection.ts'), children: [4] },
        { id: 4, callFrame: frame('handshake', 'file:///w/node_modules/ssh2/lib/client.js'), children: [] },
        { id: 5, callFrame: frame('(idle)', ''), children: [] },
      ],
      startTime: 0,
      endTime: 10_000,
      samples: [2, 2, 5, 4, 4, 5],
      timeDeltas: [1000, 1000, 2000, 1000, 1000, 4000],
    };
    const summary = summarizeProfile(profile);
    assert.equal(summary.totalMs, 10);
    assert.equal(summary.busyMs, 4);
    assert.deepEqual(summary.byPart, [
      { part: 'idle', ms: 6 },
      { part: 'node internals', ms: 2 },
      { part: 'ssh2', ms: 2 },
    ]);
    assert.equal(summary.firstConnectMs, 5);
    assert.equal(summary.busyBeforeConnectMs, 2);
  });
});
