import { strict as assert } from 'node:assert';
import { formatManifest, parseManifest } from '../../../src/manifest/format.ts';

describe('the manifest’s IPVS services', () => {
  it('reads back every form serviceKey writes: tcp, udp, sctp, and a firewall mark', () => {
    const services = ['tcp 192.168.10.100:80', 'udp 192.168.10.100:53', 'sctp 192.168.10.100:3868', 'fwmark 1', 'fwmark 2147483647'];
    // Written sorted, so that the steady-state hash does not depend on the table's order.
    assert.deepEqual(parseManifest(formatManifest([{ kind: 'ipvs', services }])), [{ kind: 'ipvs', services: [...services].sort() }]);
  });

  it('still refuses what no serviceKey is', () => {
    for (const bad of ['fwmark', 'fwmark -1', 'icmp 1.2.3.4:0', 'tcp 1.2.3.4']) {
      assert.throws(() => parseManifest(formatManifest([{ kind: 'ipvs', services: [bad] }])), /ipvs\[0\] must be an IPVS service as `tcp 10\.0\.0\.1:80` or `fwmark 1`/, bad);
    }
  });
});
