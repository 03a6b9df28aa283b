#!/usr/bin/env node
// lvsplay's source is TypeScript; jiti runs it (and users' inventory files) without a build step.
import { createJiti } from 'jiti';

const jiti = createJiti(import.meta.url);
const { main } = await jiti.import('../src/cli.ts');
// The roles are handed to the engine here, so that src/ never imports roles/ back.
const roles = async () => (await jiti.import('../roles/index.ts')).desiredState;
process.exitCode = await main(process.argv.slice(2), { roles });
// An inventory may leave something running (an interval, a socket) that would hold the process open
// after lvsplay has said everything; the unref'd timer does not itself keep it alive.
setTimeout(() => process.exit(), 2000).unref();
