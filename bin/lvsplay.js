#!/usr/bin/env node
// lvsplay's source is TypeScript; jiti runs it (and users' inventory files) without a build step.
import { createJiti } from 'jiti';

const jiti = createJiti(import.meta.url);
const { main } = await jiti.import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
// An inventory may leave something running (an interval, a socket) that would hold the process open
// after lvsplay has said everything; the unref'd timer does not itself keep it alive.
setTimeout(() => process.exit(), 2000).unref();
