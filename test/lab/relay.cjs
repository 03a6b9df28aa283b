// QEMU's guestfwd `-cmd:` starts this once per connection a lab VM opens to the package source address, with
// the connection on stdin/stdout: it joins them to the lab's HTTP server on loopback (argv[2] is its port).
// Plain CommonJS: it starts for every download, so without a loader.
const net = require('node:net');

const socket = net.connect(Number(process.argv[2]), '127.0.0.1');
process.stdin.pipe(socket);
socket.pipe(process.stdout);
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));
