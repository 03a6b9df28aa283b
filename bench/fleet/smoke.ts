// Smoke check of the fleet, by hand (root): `node --import jiti/register bench/fleet/smoke.ts [N]` (N=3).
// Boots N containers, checks each one's name and address over SSH through the agent and with OpenSSH from
// inside the namespace, then stops them and checks that nothing is left: namespace, containers, agent.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { startFleet } from './index.ts';
import { NETNS_PREFIX } from './netns.ts';

const n = Number(process.argv[2] ?? 3);
const fleet = await startFleet(n);
let failures = 0;
try {
  for (const host of fleet.hosts) {
    const viaAgent = await fleet.exec(host, "hostname; ip -o -4 address show dev host0 | awk '{print $4}'; cat /proc/sys/net/ipv4/ip_forward");
    const [name, address, forward] = viaAgent.stdout.trim().split('\n');
    const ok = name === host.name && address === `${host.address}/${fleet.network.prefix}` && forward !== undefined;
    const openssh = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        fleet.netns,
        'ssh',
        '-F',
        '/dev/null',
        '-n',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'LogLevel=ERROR',
        '-i',
        host.privateKey,
        `root@${host.address}`,
        'hostname',
      ],
      { encoding: 'utf8' },
    );
    const sshOk = openssh.status === 0 && openssh.stdout.trim() === host.name;
    if (!ok || !sshOk) failures++;
    console.log(`${ok && sshOk ? 'ok  ' : 'FAIL'} ${host.name} ${host.address}: agent says ${name} ${address} ip_forward=${forward}; OpenSSH says ${openssh.stdout.trim() || openssh.stderr.trim()}`);
  }
} finally {
  await fleet.stop();
}
const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  .stdout.split('\n')
  .filter((l) => l.startsWith(`${NETNS_PREFIX}${process.pid}`));
const inits = readdirSync('/proc')
  .filter((p) => /^\d+$/.test(p))
  .filter((p) => {
    try {
      return readFileSync(`/proc/${p}/environ`, 'latin1').split('\0').includes(`LVSBENCH_OWNER=${process.pid}`);
    } catch {
      return false;
    }
  });
if (namespaces.length > 0 || inits.length > 0) {
  failures++;
  console.log(`FAIL left behind: namespaces ${namespaces.join(' ') || 'none'}, container processes ${inits.join(' ') || 'none'}`);
} else console.log('ok   nothing left: no namespace, no container process');
process.exitCode = failures === 0 ? 0 : 1;
