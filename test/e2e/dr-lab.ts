// What the DR lab's change and day-two suites share: the seed's addresses, commands on a VM, the report's
// items, and a run checked against its --check.
import { strict as assert } from 'node:assert';
import type { Lab, TwoServerTopology } from '../lab/lab.ts';
import { runJson, type JsonHost } from './lvsplay.ts';

export interface DrLab {
  readonly lab: Lab<TwoServerTopology>;
  /** The seed's own inventory for this lab. */
  readonly inventory: string;
  /** The ssh options every run takes (known_hosts). */
  readonly ssh: readonly string[];
}

export const VIP = '192.168.10.100';
export const RS1 = '192.168.10.71';
export const RS2 = '192.168.10.72';

/** The seed's one service, with `overrides`. */
export const seedService = (overrides: object = {}) => ({
  vip: VIP,
  port: 80,
  scheduler: 'rr',
  director: 'lvs',
  realServers: [{ host: 'rs1' }, { host: 'rs2' }],
  ...overrides,
});

export async function sh(lab: Lab<TwoServerTopology>, host: string, command: string): Promise<string> {
  const result = await lab.ssh(host as never, command);
  assert.equal(result.code, 0, `${host}: ${command}: ${result.stderr}`);
  return result.stdout;
}

export const byHost = (hosts: readonly JsonHost[], name: string): JsonHost => {
  const host = hosts.find((h) => h.host === name);
  assert.ok(host, `no ${name} in the report: ${hosts.map((h) => h.host).join(', ')}`);
  return host;
};

/** `host kind item` of every item in a status, sorted: what --check promised against what run did. */
export const itemsIn = (hosts: readonly JsonHost[], status: string): string[] => hosts.flatMap((h) => h.items.filter((i) => i.status === status).map((i) => `${h.host} ${i.kind} ${i.item}`)).sort();

export const statuses = (hosts: readonly JsonHost[]): string => JSON.stringify(hosts.map((h) => [h.host, h.status, h.error ?? '']));

/** The live table's lines, sorted: `ipvsadm-save -n` lists services in hash order. */
export async function liveRules(lab: Lab<TwoServerTopology>): Promise<string[]> {
  return (await sh(lab, 'lvs', 'ipvsadm-save -n')).trim().split('\n').filter(Boolean).sort();
}

/**
 * Packets `host` dropped for an address it does not hold (Ip InAddrErrors: forwarding is off), as when a
 * director sends it a client's request for a VIP it has not yet, or no longer, on `lo`.
 */
export async function inAddrErrors(lab: Lab<TwoServerTopology>, host: string): Promise<number> {
  return Number(await sh(lab, host, 'awk \'/^Ip:/ { if (!n) { for (i = 1; i <= NF; i++) if ($i == "InAddrErrors") n = i } else print $n }\' /proc/net/snmp'));
}

/** Runs on the lab `get` gives: each checked against its --check, and back to the seed inventory. */
export function labRuns(get: () => DrLab) {
  return {
    /** --check, then run: the run changes exactly what the check listed, fails nothing, and a rerun is a no-op. */
    checkThenRun: async (inventory: string, extra: readonly string[] = []): Promise<{ hosts: JsonHost[]; check: JsonHost[] }> => {
      const { ssh } = get();
      const check = await runJson(['run', inventory, ...ssh, '--check']);
      assert.equal(check.code, 0, statuses(check.hosts));
      const run = await runJson(['run', inventory, ...ssh, ...extra]);
      assert.equal(run.code, 0, statuses(run.hosts));
      assert.deepEqual(itemsIn(run.hosts, 'changed'), itemsIn(check.hosts, 'would change'), '--check listed what run then changed');
      assert.deepEqual(itemsIn(run.hosts, 'removed'), itemsIn(check.hosts, 'would remove'), '--check listed what run then removed');
      const again = await runJson(['run', inventory, ...ssh]);
      assert.deepEqual([...itemsIn(again.hosts, 'changed'), ...itemsIn(again.hosts, 'removed')], [], 'a second run changes nothing');
      return { hosts: run.hosts, check: check.hosts };
    },
    converge: async (): Promise<void> => {
      const { inventory, ssh } = get();
      const run = await runJson(['run', inventory, ...ssh]);
      assert.equal(run.code, 0, `re-converging: ${statuses(run.hosts)}`);
    },
  };
}
