// The lab's package source. The VMs reach nothing but their forwarded ssh port (restrict=on), so the packages
// lvsplay installs on them (ipvsadm, keepalived, and what those need beyond the image) are downloaded while
// the image is built, kept beside it as a flat repository, and served from loopback: QEMU's guestfwd joins
// each connection a VM opens to REPO_ADDRESS:80 to an HTTP server of the lab's own (see relay.cjs).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOk } from './proc.ts';

/** Where a VM finds the repository: an address of QEMU's user network that only guestfwd answers. */
export const REPO_ADDRESS = '10.0.2.100';

/** What lvsplay's roles install, left out of the image so that the lab proves the install. */
export const REPO_PACKAGES = ['ipvsadm', 'keepalived', 'nftables'] as const;

/** The guest's apt source for it: a flat repository, unsigned (it never leaves this machine). */
export const GUEST_APT_SOURCE = `deb [trusted=yes] http://${REPO_ADDRESS}/ ./`;

const RELAY = join(dirname(fileURLToPath(import.meta.url)), 'relay.cjs');

/**
 * `Packages` and `Release` for the .deb files in `dir`, as apt reads a flat repository: each package's
 * control fields (dpkg-deb -f) with its file name, size and hash.
 */
export async function indexRepo(dir: string): Promise<string[]> {
  const debs = (await readdir(dir)).filter((name) => name.endsWith('.deb')).sort();
  const stanzas: string[] = [];
  for (const name of debs) {
    const path = join(dir, name);
    const control = (await runOk('dpkg-deb', ['-f', path])).stdout.trimEnd();
    const bytes = await readFile(path);
    stanzas.push(`${control}\nFilename: ./${name}\nSize: ${bytes.length}\nSHA256: ${createHash('sha256').update(bytes).digest('hex')}\n`);
  }
  const packages = stanzas.join('\n');
  await writeFile(join(dir, 'Packages'), packages);
  const release = [
    'Origin: lvsplay-lab',
    'Label: lvsplay-lab',
    `Date: ${new Date().toUTCString()}`,
    'Architectures: amd64 all',
    'SHA256:',
    ` ${createHash('sha256').update(packages).digest('hex')} ${Buffer.byteLength(packages)} Packages`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'Release'), release);
  return debs;
}

export interface RepoServer {
  /**
   * The `guestfwd=` suboption the management NIC (`-netdev user,restrict=on,...`, vm.ts) adds: the repository
   * at REPO_ADDRESS:80, the one address besides the forwarded ssh port that restrict=on leaves open.
   */
  readonly guestfwd: string;
  stop(): Promise<void>;
}

/** Serves the files of `dir` (GET and HEAD only, no folders) on 127.0.0.1, until `stop`. */
export async function serveRepo(dir: string): Promise<RepoServer> {
  const server: Server = createServer((request, response) => {
    const name = basename(decodeURIComponent((request.url ?? '/').split('?')[0]!));
    const path = join(dir, name);
    if ((request.method !== 'GET' && request.method !== 'HEAD') || name === '' || name.startsWith('.')) {
      response.writeHead(404).end();
      return;
    }
    stat(path).then(
      (info) => {
        if (!info.isFile()) return void response.writeHead(404).end();
        response.writeHead(200, { 'Content-Length': info.size, 'Content-Type': 'application/octet-stream' });
        if (request.method === 'HEAD') return void response.end();
        createReadStream(path).pipe(response);
      },
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // QEMU runs the command for each connection; commas would need doubling in its option syntax.
    guestfwd: `guestfwd=tcp:${REPO_ADDRESS}:80-cmd:${process.execPath} ${RELAY} ${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // apt keeps its connection open between files; a stopped lab must not wait for it.
        server.closeAllConnections();
      }),
  };
}
