// `npm run demo`: the seed's 4.2 DR cluster built from bare VMs by lvsplay, end to end, as a new user
// would see it: the lab boots, `lvsplay run` converges it with live progress, the client curls the VIP,
// a second run changes nothing, and the lab is removed. `npm run demo -- nat` (or dr-multi-subnet, dr-pair, nat-pair) for
// the other seeds; `--keep` leaves the lab up until Ctrl-C, with the commands to reach it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLabInventory } from '../e2e/lvsplay.ts';
import { startLab, type TopologyName } from './lab.ts';
import { topologies } from './topologies.ts';

const VIPS: Record<TopologyName, string> = {
  dr: '192.168.10.100',
  nat: '172.16.10.81',
  'dr-multi-subnet': '172.16.10.81',
  'dr-pair': '192.168.10.100',
  'nat-pair': '172.16.10.80',
  'dr-bastion': '192.168.10.100',
  'dr-tun': '192.168.10.100',
};
const BIN = fileURLToPath(new URL('../../bin/lvsplay.js', import.meta.url));

function lvsplay(args: string[]): Promise<number> {
  console.log(`\n$ lvsplay ${args.join(' ')}`);
  return new Promise((resolve) => spawn(process.execPath, [BIN, ...args], { stdio: 'inherit' }).on('exit', (code) => resolve(code ?? 1)));
}

async function main(): Promise<number> {
  const seed = (process.argv.slice(2).find((a) => !a.startsWith('-')) ?? 'dr') as TopologyName;
  if (!(seed in topologies)) throw new Error(`unknown seed '${seed}' (known: ${Object.keys(topologies).join(', ')})`);
  const keep = process.argv.includes('--keep');
  if ('bastion' in topologies[seed]) throw new Error(`the ${seed} lab is reached through its bastion as deploy with sudo: the demo's inventory reaches hosts as root, directly`);
  const lab = await startLab(seed);
  try {
    const inventory = await writeLabInventory(lab.dir, seed, lab.access);
    const ssh = ['--known-hosts', join(lab.dir, 'known_hosts')];
    if ((await lvsplay(['run', inventory, ...ssh, '--accept-new-host-keys'])) !== 0) return 1;
    const vip = VIPS[seed];
    console.log(`\n$ for i in 1 2 3 4 5 6; do curl -s http://${vip}/; done    # on the client VM`);
    const curl = await lab.ssh('client', `for i in 1 2 3 4 5 6; do curl -s --max-time 5 http://${vip}/ || echo FAILED; done`);
    console.log(curl.stdout.trimEnd());
    console.log('\n$ ipvsadm -Ln    # on lvs');
    console.log((await lab.ssh('lvs', 'ipvsadm -Ln')).stdout.trimEnd());
    if ((await lvsplay(['run', inventory, ...ssh])) !== 0) return 1;
    if (keep) {
      console.log(`\nThe lab stays up until Ctrl-C. Inventory: ${inventory}`);
      for (const [host, a] of Object.entries(lab.access)) console.log(`  ssh -i ${a.privateKey} -p ${a.port} -o StrictHostKeyChecking=no root@127.0.0.1   # ${host}`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    const realServers = Object.keys(topologies[seed].vms).filter((host) => host.startsWith('rs'));
    return realServers.every((host) => curl.stdout.includes(host)) ? 0 : 1;
  } finally {
    await lab.stop();
  }
}

process.exitCode = await main();
