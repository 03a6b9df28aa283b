// What "changed nothing" means on a host, read from the host: everything lvsplay could touch, without
// the counters and clocks that move on their own.
import { strict as assert } from 'node:assert';
import type { Lab, TwoServerTopology } from '../lab/lab.ts';

const SNAPSHOT = [
  'echo "# addresses"; ip -o address show | sed -E "s/ +(valid|preferred)_lft [^ ]+//g"',
  'echo "# routes"; ip -4 route show table main',
  // The ARP, forwarding and IPVS settings lvsplay sets, and their neighbours it must not touch.
  'echo "# sysctls"; sysctl -a 2>/dev/null | grep -E "^net\\.ipv4\\.(ip_forward|conf\\.[^.]+\\.(arp_ignore|arp_announce|rp_filter|forwarding)|vs\\.)" | sort',
  'echo "# files"; find /etc/sysctl.d /etc/sysconfig /etc/systemd/system /etc/modules-load.d /var/lib/lvsplay -xdev \\( -type f -o -type l -o -type d \\) -printf "%p %y %m %s\\n" 2>/dev/null | sort',
  'find /etc/sysctl.d /etc/sysconfig /etc/systemd/system /etc/modules-load.d -xdev -type f -exec sha256sum {} + 2>/dev/null | sort -k2',
  'echo "# units"; systemctl list-units --all --plain --no-legend "lvsplay*" | sort',
  'systemctl list-unit-files --no-legend "lvsplay*" | sort',
  'echo "# modules"; lsmod | awk \'$1 ~ /^ip_vs/ { print $1 }\' | sort',
  // ipvsadm loads ip_vs when it is not loaded: reading the table must not change the host.
  'echo "# ipvs"; if [ -e /proc/net/ip_vs ]; then ipvsadm-save -n 2>&1; else echo "no ip_vs"; fi',
].join('\n');

export type Snapshot = Readonly<Record<string, string>>;

/** The state of every named host, read in one ssh session each. */
export async function snapshot(lab: Lab<TwoServerTopology>, hosts: readonly string[]): Promise<Snapshot> {
  const states = await Promise.all(
    hosts.map(async (host) => {
      const result = await lab.ssh(host as never, SNAPSHOT);
      assert.equal(result.code, 0, `snapshot of ${host}: ${result.stderr}`);
      return [host, result.stdout] as const;
    }),
  );
  return Object.fromEntries(states);
}

/** Fails with the lines that differ, host by host. */
export function assertUnchanged(before: Snapshot, after: Snapshot, what: string): void {
  for (const host of Object.keys(before)) {
    const was = new Set(before[host]!.split('\n'));
    const now = new Set(after[host]!.split('\n'));
    const gone = [...was].filter((line) => !now.has(line)).map((line) => `- ${line}`);
    const added = [...now].filter((line) => !was.has(line)).map((line) => `+ ${line}`);
    assert.deepEqual([...gone, ...added], [], `${what} changed ${host}:\n${[...gone, ...added].join('\n')}`);
  }
}
