// A diagnostic between the node-ssh floor and the lvsplay CLI: lvsplay's own SSH layer (src/ssh/connect():
// key planning, known_hosts check, keepalives) and its remote command (`timeout -k 5 S sh -s`), for every
// host at once, without the CLI, inventory, roles, plan or listr2. Run inside the fleet's namespace:
//   ip netns exec NS node --import jiti/register bench/fleet/ssh-layer-child.ts TARGETS.json KNOWN_HOSTS [timeout|plain]
// Prints `{"seconds": S}` from the first connection to the last result. With `plain` the remote command is
// the floor's `sh -s`, so that the `timeout` wrapper's cost shows apart from the connection's.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { FloorTarget } from '../lib/floors.ts';
import { connect } from '../../src/ssh/connection.ts';
import type { Port } from '../../src/inventory/model.ts';

const [file, knownHostsFile, mode = 'timeout'] = process.argv.slice(2);
if (!file || !knownHostsFile || (mode !== 'timeout' && mode !== 'plain')) {
  process.stderr.write('usage: ssh-layer-child.ts TARGETS.json KNOWN_HOSTS [timeout|plain]\n');
  process.exit(2);
}
const targets = JSON.parse(readFileSync(file, 'utf8')) as FloorTarget[];
const command = mode === 'timeout' ? 'timeout -k 5 300 sh -s' : 'sh -s';
const options = { knownHostsFile, acceptNewHostKeys: true, connectTimeoutMs: 60_000, commandTimeoutMs: 315_000 };
const started = performance.now();
await Promise.all(
  targets.map(async (t) => {
    const connection = await connect({ host: t.host, port: t.port as Port, user: t.user, privateKey: t.privateKey }, options);
    try {
      const result = await connection.exec(command, t.script);
      if (result.code !== 0) throw new Error(`${t.host}: facts script exited ${result.code}: ${result.stderr}`);
    } finally {
      await connection.close();
    }
  }),
);
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000 })}\n`);
