// One floor measurement as a process of its own, run inside the fleet's network namespace:
//   ip netns exec NS node --import jiti/register bench/fleet/floor-child.ts openssh|node-ssh TARGETS.json
// TARGETS.json is a FloorTarget[] (bench/lib/floors.ts). Prints `{"seconds": S}`: the time from the first
// connection to the last result, without this process's own start-up (the caller times that too).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { nodeSshFloor, opensshFloor, type FloorTarget } from '../lib/floors.ts';

const [kind, file] = process.argv.slice(2);
if ((kind !== 'openssh' && kind !== 'node-ssh') || !file) {
  process.stderr.write('usage: floor-child.ts openssh|node-ssh TARGETS.json\n');
  process.exit(2);
}
const targets = JSON.parse(readFileSync(file, 'utf8')) as FloorTarget[];
const started = performance.now();
await (kind === 'openssh' ? opensshFloor(targets) : nodeSshFloor(targets));
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000 })}\n`);
