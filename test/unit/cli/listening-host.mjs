// A host's session for the status tests, inside its network namespace: listens on each ADDRESS:PORT given
// (a real server that accepts connections), then runs the SSH session's command with this process's stdio,
// and exits with its status when it ends, closing the listeners: nothing outlives the session.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const listening = (endpoint) =>
  new Promise((resolve, reject) => {
    const [host, port] = endpoint.split(':');
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(Number(port), host, () => resolve(server));
  });

const servers = await Promise.all(process.argv.slice(2).map(listening));
const session = spawn('/bin/sh', ['-c', process.env.SSH_ORIGINAL_COMMAND ?? 'true'], { stdio: 'inherit' });
session.once('exit', (code, signal) => {
  for (const server of servers) server.close();
  process.exit(code ?? (signal ? 128 : 1));
});
