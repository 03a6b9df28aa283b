// Smoke test of the VM lab itself: the `dr` cluster of the seed boots with the right bare
// addressing, serves its web page, has a kernel with IPVS, and survives a reboot of all VMs.
// No skipping: if QEMU & co. are missing and cannot be installed, this must fail loudly.
import { strict as assert } from 'node:assert';
import { startLab, type Lab } from './lab.ts';

describe('VM lab (dr topology)', function () {
  this.timeout(15 * 60e3);
  let lab: Lab<'dr'> | undefined;

  before(async function () {
    try {
      lab = await startLab('dr');
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new Error(`the VM lab could not start (end-to-end tests need it): ${message}`);
    }
  });

  after(async function () {
    await lab?.stop();
  });

  const up = (): Lab<'dr'> => {
    assert.ok(lab, 'lab did not start');
    return lab;
  };

  it('gives rs1 its seed address on eth0', async function () {
    const result = await up().ssh('rs1', 'ip -o -4 addr show dev eth0');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\beth0\s+inet 192\.168\.10\.71\/24\b/);
  });

  it('exposes ssh access for every managed host but not the client', function () {
    assert.deepEqual(Object.keys(up().access).sort(), ['lvs', 'router', 'rs1', 'rs2']);
    for (const access of Object.values(up().access)) {
      assert.equal(access.host, '127.0.0.1');
      assert.equal(access.user, 'root');
    }
  });

  it('leaves forwarding off on the router (lvsplay turns it on)', async function () {
    const result = await up().ssh('router', 'sysctl -n net.ipv4.ip_forward');
    assert.equal(result.stdout.trim(), '0');
  });

  it('serves the host name of rs1 over HTTP on the lan', async function () {
    const result = await up().ssh('lvs', 'curl -s --max-time 10 http://192.168.10.71/');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'rs1');
  });

  it('has IPVS in the director kernel', async function () {
    const result = await up().ssh('lvs', 'modprobe ip_vs && ipvsadm -Ln');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /IP Virtual Server version/);
  });

  it('comes back on ssh after every VM is rebooted', async function () {
    await up().rebootAll();
    for (const host of ['client', 'router', 'lvs', 'rs1', 'rs2'] as const) {
      const result = await up().ssh(host, 'hostname');
      assert.equal(result.code, 0, `${host}: ${result.stderr}`);
      assert.equal(result.stdout.trim(), host);
    }
    const addr = await up().ssh('rs1', 'ip -o -4 addr show dev eth0');
    assert.match(addr.stdout, /192\.168\.10\.71\/24/);
  });

  it('stops cleanly, and stop() can be called again', async function () {
    await up().stop();
    await up().stop();
  });
});
