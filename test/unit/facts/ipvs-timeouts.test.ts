// The IPVS timeouts fact on output recorded from the lab kernel (test/fixtures/facts/README.md): its own
// script on a fresh boot (ip_vs not loaded, and not loaded by it), the kernel's values, and values set.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FactError } from '../../../src/facts/fact.ts';
import { ipvsTimeoutsFact, KERNEL_TIMEOUTS, parseIpvsTimeouts, setTimeoutsCommand } from '../../../src/facts/ipvs-timeouts.ts';
import { parseSysctl, sysctlFact } from '../../../src/facts/sysctl.ts';
import { MAX_TIMEOUT } from '../../../src/inventory/ipvs-tuning.ts';

const recorded = (name: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/facts/${name}`, import.meta.url)), 'utf8');

describe('the IPVS timeouts fact on recorded output', () => {
  it('says ip_vs is not loaded on a fresh boot, and did not load it (ipvsadm-save-n-no-module.json, recorded after it)', () => {
    assert.equal(ipvsTimeoutsFact.parse(recorded('ipvs-timeouts-fact-no-module.txt')), undefined);
    assert.equal(JSON.parse(recorded('ipvsadm-save-n-no-module.json')).ipVsLoadedBefore, false);
  });

  it("reads the kernel's own timeouts once ip_vs is loaded, through its own script and from ipvsadm itself", () => {
    assert.deepEqual(ipvsTimeoutsFact.parse(recorded('ipvs-timeouts-fact.txt')), KERNEL_TIMEOUTS);
    assert.deepEqual(parseIpvsTimeouts(recorded('ipvsadm-L-timeout.txt')), { tcp: 900, tcpFin: 120, udp: 300 });
  });

  it('reads timeouts ipvsadm --set changed, 0 having left tcpfin as it was', () => {
    assert.deepEqual(parseIpvsTimeouts(recorded('ipvsadm-L-timeout-set.txt')), { tcp: 3600, tcpFin: 120, udp: 600 });
    assert.equal(setTimeoutsCommand({ tcp: 3600, udp: 600 }), 'ipvsadm --set 3600 0 600');
  });

  it("the kernel takes the inventory's largest timeout", () => {
    assert.deepEqual(parseIpvsTimeouts(recorded('ipvsadm-L-timeout-max.txt')), { tcp: MAX_TIMEOUT, tcpFin: 120, udp: 600 });
  });

  it('fails on output it does not know, and on ipvsadm failing', () => {
    assert.throws(() => parseIpvsTimeouts('Timeout (tcp tcpfin udp): 900 120\n'), FactError);
    assert.throws(() => ipvsTimeoutsFact.parse("Can't initialize ipvs: Protocol not available\n@@command-failed 2\n"), /ipvsadm -L --timeout failed \(exit 2\)/);
  });

  it("the IPVS sysctls an ipvs block sets, as ip_vs starts them (lvsplay's own two are 0 until it sets them)", () => {
    const keys = ['conn_reuse_mode', 'expire_nodest_conn', 'expire_quiescent_template', 'sloppy_tcp', 'schedule_icmp'].map((name) => `net.ipv4.vs.${name}`);
    assert.ok(sysctlFact(keys).command.includes('/proc/sys/net/ipv4/vs/sloppy_tcp'));
    assert.deepEqual(Object.fromEntries(parseSysctl(recorded('sysctl-ipvs.txt'), keys)), {
      'net.ipv4.vs.conn_reuse_mode': '1',
      'net.ipv4.vs.expire_nodest_conn': '0',
      'net.ipv4.vs.expire_quiescent_template': '0',
      'net.ipv4.vs.sloppy_tcp': '0',
      'net.ipv4.vs.schedule_icmp': '0',
    });
  });
});
