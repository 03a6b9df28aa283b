import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DrainTimeout, Port, Vip, Weight } from '../../../src/inventory/model.ts';
import type { IpvsChange } from '../../../src/ipvs/delta.ts';
import { drainDeletions, drainWaitScript, splitDrains, type Drain } from '../../../src/ipvs/drain.ts';
import { formatChange } from '../../../src/ipvs/format.ts';
import type { IpvsDestination } from '../../../src/ipvs/table.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';

const WEB = { protocol: 'tcp' as const, vip: '192.168.10.100' as Vip, port: 80 as Port };
const MAIL = { protocol: 'tcp' as const, vip: '192.168.10.100' as Vip, port: 25 as Port };
const rs = (address: string, port: number, weight: number): IpvsDestination => ({ address: address as IPv4, port: port as Port, forwarding: 'route', weight: weight as Weight });
const timeouts = (entries: Record<string, number>) => (service: string) => entries[service] as DrainTimeout | undefined;

describe('draining a real server that leaves a service', () => {
  it('turns a deletion into weight 0 now and the deletion after the wait, where the service has a drain timeout', () => {
    const changes: IpvsChange[] = [
      { op: 'delete-destination', service: WEB, destination: rs('192.168.10.72', 80, 3) },
      { op: 'delete-destination', service: MAIL, destination: rs('192.168.10.72', 25, 1) },
      { op: 'add-destination', service: WEB, destination: rs('192.168.10.73', 80, 1) },
    ];
    const { changes: now, drains } = splitDrains(changes, timeouts({ 'tcp 192.168.10.100:80': 30, 'tcp 192.168.10.100:25': 0 }));
    assert.deepEqual(now.map(formatChange), [
      '-e -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 0',
      '-d -t 192.168.10.100:25 -r 192.168.10.72:25',
      '-a -t 192.168.10.100:80 -r 192.168.10.73:80 -g -w 1',
    ]);
    assert.deepEqual(drains, [{ service: WEB, destination: rs('192.168.10.72', 80, 3), timeout: 30 }]);
    assert.deepEqual(drainDeletions(drains).map(formatChange), ['-d -t 192.168.10.100:80 -r 192.168.10.72:80']);
  });

  it('sets no weight for a real server already at weight 0, but still waits for it', () => {
    const { changes, drains } = splitDrains([{ op: 'delete-destination', service: WEB, destination: rs('192.168.10.72', 80, 0) }], timeouts({ 'tcp 192.168.10.100:80': 30 }));
    assert.deepEqual(changes, []);
    assert.equal(drains.length, 1);
  });

  it('deletes a whole service at once: the service itself is leaving', () => {
    const deleteService: IpvsChange = { op: 'delete-service', service: { ...WEB, scheduler: 'rr' } };
    assert.deepEqual(splitDrains([deleteService], timeouts({ 'tcp 192.168.10.100:80': 30 })), { changes: [deleteService], drains: [] });
  });
});

// /proc/net/ip_vs as the lab kernel prints it (hex addresses; ActiveConn is the fifth field of a real server's line).
const PROC = (active72: number, active72on25: number) => `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  C0A80A64:0019 rr
  -> C0A80A48:0019      Route   1      ${active72on25}          0
TCP  C0A80A64:0050 rr
  -> C0A80A47:0050      Route   1      7          3
  -> C0A80A48:0050      Route   0      ${active72}          2
`;

for (const shell of ['dash', 'bash'])
  describe(`the drain wait, run by ${shell}`, function () {
    this.timeout(30_000);
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lvsplay-drain-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** Runs the wait; `after` is a shell test that must hold once it has ended. */
    async function wait(drains: readonly Drain[], meanwhile = '', after = 'true'): Promise<void> {
      const script = `${meanwhile}\n${drainWaitScript(drains).replaceAll('/proc/net/ip_vs', join(dir, 'ip_vs'))}\n${after} && echo waited`;
      const stdout = await new Promise<string>((resolve, reject) => {
        const child = execFile(shell, ['-s'], (error, out, err) => (error ? reject(new Error(err || error.message)) : resolve(out)));
        child.stdin!.end(script);
      });
      assert.equal(stdout.trim(), 'waited');
    }
    const drain = (timeout: number): Drain => ({ service: WEB, destination: rs('192.168.10.72', 80, 1), timeout: timeout as DrainTimeout });

    it('ends at once when the real server holds no active connection, whatever the same address holds in another service', async () => {
      await writeFile(join(dir, 'ip_vs'), PROC(0, 9));
      await wait([drain(86400)]);
    });

    it('ends at once for a real server no longer listed (deleted by hand)', async () => {
      await writeFile(join(dir, 'ip_vs'), PROC(0, 0).replace(/.*C0A80A48:0050.*\n/, ''));
      await wait([drain(86400)]);
    });

    it('waits while it holds connections, and ends when they have ended', async () => {
      await writeFile(join(dir, 'ip_vs'), PROC(2, 0));
      // The connections end two seconds in, as a download finishing would; the mark proves the wait saw that.
      const ended = join(dir, 'ended');
      await wait([drain(86400)], `( sleep 2; touch ${ended}; printf '%s' '${PROC(0, 0)}' > ${join(dir, 'ip_vs.new')} && mv ${join(dir, 'ip_vs.new')} ${join(dir, 'ip_vs')} ) &`, `[ -e ${ended} ]`);
    });

    it('ends at its timeout with connections still held', async () => {
      await writeFile(join(dir, 'ip_vs'), PROC(5, 0));
      await wait([drain(1)]);
    });
  });
