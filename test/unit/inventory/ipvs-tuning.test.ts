// A director's `ipvs` block: what validate refuses, each problem named by host and field, and what the
// director roles make of what it accepts.
import { strict as assert } from 'node:assert';
import { desiredState } from '../../../roles/index.ts';
import type { ItemSpec } from '../../../src/desired/state.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import { baseInventory, problems } from './cases.ts';

const TUNED = { timeouts: { tcp: 3600, udp: 60 }, connReuseMode: 0, sloppyTcp: true, expireNodestConn: false };

function withBlock(base: 'dr' | 'nat', host: string, block: unknown): any {
  const inventory = baseInventory(base);
  inventory.hosts[host].ipvs = block;
  return inventory;
}

function itemsOf(inventory: unknown, host: string): ItemSpec[] {
  const checked = checkInventory('inventory.ts', inventory);
  // Without the roles that want each: what the role made is the question here.
  return desiredState(checked, checked.hosts.find((h) => h.name === host)!).items.map(({ roles: _roles, ...item }) => item as ItemSpec);
}

describe("a director's ipvs block", () => {
  it('is accepted on a DR and a NAT director, any subset of it', () => {
    assert.deepEqual(problems(withBlock('dr', 'lvs', TUNED)), []);
    assert.deepEqual(problems(withBlock('nat', 'lvs', { timeouts: { tcpFin: 30 } })), []);
    assert.deepEqual(problems(withBlock('dr', 'lvs', { scheduleIcmp: true })), []);
    assert.deepEqual(problems(withBlock('dr', 'lvs', { timeouts: { tcp: 1, tcpFin: 2147483, udp: 5 } })), []);
  });

  it('is refused on a host that is not a director', () => {
    assert.deepEqual(problems(withBlock('dr', 'rs1', { sloppyTcp: true })), ["host rs1, ipvs: is only for hosts with a director-nat or director-dr role: IPVS settings are a director's"]);
    assert.deepEqual(problems(withBlock('dr', 'router', { timeouts: { tcp: 60 } })), ["host router, ipvs: is only for hosts with a director-nat or director-dr role: IPVS settings are a director's"]);
  });

  it('refuses each bad value by its field, all at once', () => {
    const block = { timeouts: { tcp: 0, tcpFin: 2147484, udp: '300', tcpfin: 10 }, connReuseMode: 3, sloppyTcp: 1, scheduleIcmp: 'yes', expire_nodest_conn: 1 };
    assert.deepEqual(problems(withBlock('dr', 'lvs', block)), [
      'host lvs, ipvs.expire_nodest_conn: unknown field (known: timeouts, connReuseMode, expireNodestConn, expireQuiescentTemplate, sloppyTcp, scheduleIcmp)',
      'host lvs, ipvs.timeouts.tcpfin: unknown field (known: tcp, tcpFin, udp)',
      'host lvs, ipvs.timeouts.tcp: must be a whole number from 1 to 2147483, got 0',
      'host lvs, ipvs.timeouts.tcpFin: must be a whole number from 1 to 2147483, got 2147484',
      "host lvs, ipvs.timeouts.udp: must be a whole number from 1 to 2147483, got the string '300'",
      'host lvs, ipvs.connReuseMode: must be 0, 1 or 2, got 3',
      'host lvs, ipvs.sloppyTcp: must be true or false, got 1',
      "host lvs, ipvs.scheduleIcmp: must be true or false, got the string 'yes'",
    ]);
  });

  it('refuses a block or a timeouts that says nothing, and a block that is not an object', () => {
    assert.deepEqual(problems(withBlock('dr', 'lvs', {})), ['host lvs, ipvs: sets nothing: leave it out, or give timeouts or a sysctl']);
    assert.deepEqual(problems(withBlock('dr', 'lvs', { timeouts: {} })), ['host lvs, ipvs.timeouts: names no timeout (tcp, tcpFin, udp): leave it out']);
    assert.deepEqual(problems(withBlock('dr', 'lvs', true)), ['host lvs, ipvs: must be an object, got true']);
  });

  it("sets its sysctls in the role's file over lvsplay's own, its timeouts live, and a unit for boot", () => {
    const items = itemsOf(withBlock('dr', 'lvs', TUNED), 'lvs');
    const file = items.find((i) => i.kind === 'file' && i.path === '/etc/sysctl.d/90-lvsplay-director-dr.conf');
    assert.ok(file?.kind === 'file');
    assert.deepEqual(file.content.split('\n').slice(1), [
      'net.ipv4.vs.expire_nodest_conn = 0',
      'net.ipv4.vs.expire_quiescent_template = 1',
      'net.ipv4.vs.conn_reuse_mode = 0',
      'net.ipv4.vs.sloppy_tcp = 1',
      '',
    ]);
    const sysctls = items.flatMap((i) => (i.kind === 'sysctl' ? [`${i.key}=${i.value}`] : []));
    assert.deepEqual(sysctls, ['net.ipv4.vs.expire_nodest_conn=0', 'net.ipv4.vs.expire_quiescent_template=1', 'net.ipv4.vs.conn_reuse_mode=0', 'net.ipv4.vs.sloppy_tcp=1']);
    const unitPath = '/etc/systemd/system/lvsplay-ipvs-timeouts.service';
    assert.deepEqual(
      items.filter((i) => i.kind === 'ipvs-timeout'),
      [
        { kind: 'ipvs-timeout', name: 'tcp', seconds: 3600, unitFile: unitPath },
        { kind: 'ipvs-timeout', name: 'udp', seconds: 60, unitFile: unitPath },
      ],
    );
    const unitFile = items.find((i) => i.kind === 'file' && i.path === unitPath);
    assert.ok(unitFile?.kind === 'file');
    // 0 leaves tcpfin, which the block does not name, at the kernel's.
    assert.match(unitFile.content, /^ExecStart=ipvsadm --set 3600 0 60$/m);
    assert.deepEqual(
      items.filter((i) => i.kind === 'unit' && i.name === 'lvsplay-ipvs-timeouts.service'),
      [{ kind: 'unit', name: 'lvsplay-ipvs-timeouts.service', startNow: false }],
    );
  });

  it("leaves a director without one as it was: lvsplay's two sysctls, no timeout, no unit for them", () => {
    const items = itemsOf(baseInventory('nat'), 'lvs');
    assert.deepEqual(
      items.flatMap((i) => (i.kind === 'sysctl' ? [`${i.key}=${i.value}`] : [])),
      ['net.ipv4.ip_forward=1', 'net.ipv4.vs.expire_nodest_conn=1', 'net.ipv4.vs.expire_quiescent_template=1'],
    );
    assert.deepEqual(
      items.filter((i) => i.kind === 'ipvs-timeout' || JSON.stringify(i).includes('timeouts')),
      [],
    );
  });
});
