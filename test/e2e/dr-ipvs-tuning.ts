// A DR director's `ipvs` block on the seed's DR lab: connection timeouts and two IPVS sysctls set through the
// inventory and read back on the host, a second run changing nothing, the block removed (what the host had
// before put back, the boot unit gone), then set again and left for the suite's reboot test, which checks
// that a boot sets them again.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Lab, TwoServerTopology } from '../lab/lab.ts';
import { type DrLab, itemsIn, labRuns, sh } from './dr-lab.ts';
import { writeLabInventory } from './lvsplay.ts';

const TUNING = { timeouts: { tcp: 3600, tcpFin: 30, udp: 60 }, connReuseMode: 0, sloppyTcp: true };
const TUNED_TIMEOUTS = 'Timeout (tcp tcpfin udp): 3600 30 60';
const SYSCTLS = 'net.ipv4.vs.conn_reuse_mode net.ipv4.vs.sloppy_tcp';
const UNIT = 'lvsplay-ipvs-timeouts.service';

async function timeouts(lab: Lab<TwoServerTopology>): Promise<string> {
  return (await sh(lab, 'lvs', 'ipvsadm -L --timeout')).trim();
}

async function sysctls(lab: Lab<TwoServerTopology>): Promise<string[]> {
  return (await sh(lab, 'lvs', `sysctl -n ${SYSCTLS}`)).trim().split('\n');
}

/** Registers the test; the returned check is the reboot test's, for whatever the test left set. */
export function drIpvsTuning(get: () => DrLab): { afterReboot: (lab: Lab<TwoServerTopology>) => Promise<void> } {
  const { checkThenRun } = labRuns(get);
  let leftTuned = false;

  it("a director's ipvs block: timeouts and sysctls set and read back, a rerun a no-op; removed, the host's own values come back; set again for the reboot", async () => {
    const { lab, inventory } = get();
    const before = { timeouts: await timeouts(lab), sysctls: await sysctls(lab) };
    // The kernel's, as ip_vs starts them: nothing set them yet.
    assert.deepEqual(before, { timeouts: 'Timeout (tcp tcpfin udp): 900 120 300', sysctls: ['1', '0'] });
    const tuned = await writeLabInventory(join(lab.dir, 'ipvs-tuning'), 'dr', lab.access, { name: 'ipvs-tuning', hostFields: { lvs: { ipvs: TUNING } } });

    const set = await checkThenRun(tuned);
    const lvsChanged = itemsIn(set.hosts, 'changed').filter((line) => line.startsWith('lvs '));
    for (const expected of [
      'lvs ipvs-timeout IPVS tcp timeout = 3600 s',
      'lvs ipvs-timeout IPVS tcpfin timeout = 30 s',
      'lvs ipvs-timeout IPVS udp timeout = 60 s',
      'lvs sysctl sysctl net.ipv4.vs.conn_reuse_mode = 0',
      'lvs sysctl sysctl net.ipv4.vs.sloppy_tcp = 1',
    ]) {
      assert.ok(lvsChanged.includes(expected), `${expected} not in ${lvsChanged.join('; ')}`);
    }
    assert.deepEqual(
      itemsIn(set.hosts, 'changed').filter((line) => !line.startsWith('lvs ')),
      [],
      'only the director changed',
    );
    assert.equal(await timeouts(lab), TUNED_TIMEOUTS);
    assert.deepEqual(await sysctls(lab), ['0', '1']);
    assert.match(await sh(lab, 'lvs', `systemctl is-enabled ${UNIT}`), /^enabled$/m);

    // Removed from the inventory: the values the host had before come back now, and no unit sets them at boot.
    const removed = await checkThenRun(inventory);
    assert.ok(
      itemsIn(removed.hosts, 'removed').some((line) => line.startsWith('lvs ipvs-timeout')),
      itemsIn(removed.hosts, 'removed').join('; '),
    );
    assert.deepEqual({ timeouts: await timeouts(lab), sysctls: await sysctls(lab) }, before);
    assert.equal((await sh(lab, 'lvs', `test -e /etc/systemd/system/${UNIT} && echo present || echo gone`)).trim(), 'gone');

    // Set again, and left so for the reboot test.
    await checkThenRun(tuned);
    assert.equal(await timeouts(lab), TUNED_TIMEOUTS);
    leftTuned = true;
  });

  return {
    afterReboot: async (lab) => {
      if (!leftTuned) return;
      // Set again at boot: the timeouts by lvsplay's unit, the sysctls by systemd-sysctl after ip_vs is loaded.
      assert.equal(await timeouts(lab), TUNED_TIMEOUTS, 'the timeouts after a reboot');
      assert.deepEqual(await sysctls(lab), ['0', '1'], `${SYSCTLS} after a reboot`);
    },
  };
}
