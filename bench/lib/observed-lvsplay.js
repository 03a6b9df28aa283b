#!/usr/bin/env node
// `lvsplay ARGS` as bin/lvsplay.js runs it (the same jiti, the same main()), with the engine's observer and
// dial hooks recording when each host's stages and round trips started and ended (bench/lib/timeline.ts):
//   node bench/lib/observed-lvsplay.js TIMELINE.json ARGS...
// What a user pays is all here: timed from spawn to exit, a run costs what `lvsplay ARGS` costs, plus
// writing the timeline (one small JSON file) after lvsplay is done.
import { createJiti } from 'jiti';
import { performance } from 'node:perf_hooks';

const [timelineFile, ...args] = process.argv.slice(2);
if (!timelineFile) {
  process.stderr.write('usage: observed-lvsplay.js TIMELINE.json ARGS...\n');
  process.exit(2);
}
const jiti = createJiti(import.meta.url);
const { main } = await jiti.import('../../src/cli.ts');
const { recorder } = await jiti.import('./timeline.ts');
const record = recorder(performance.now());
const roles = async () => (await jiti.import('../../roles/index.ts')).desiredState;
process.exitCode = await main(args, { roles, observe: record.observe, dial: record.dial });
record.finish(timelineFile);
setTimeout(() => process.exit(), 2000).unref();
