// The two floors every tier is compared with: the least any push tool can do, one connection and one
// round trip running lvsplay's own facts script per host, all hosts at once.
import { spawn } from 'node:child_process';
import { NodeSSH } from 'node-ssh';
import { readFile } from 'node:fs/promises';

export interface FloorTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: string;
  /** The facts script lvsplay sends this host (`factsScript(desiredState(...)).script`). */
  readonly script: string;
}

/** (a) N OpenSSH processes at once, each `ssh host 'sh -s' < facts script`. */
export async function opensshFloor(targets: readonly FloorTarget[]): Promise<void> {
  await Promise.all(targets.map((t) => runSsh(t)));
}

function runSsh(target: FloorTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'LogLevel=ERROR',
        '-o',
        'IdentitiesOnly=yes',
        '-i',
        target.privateKey,
        '-p',
        String(target.port),
        `${target.user}@${target.host}`,
        'sh -s',
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ssh ${target.host}:${target.port} exited ${code}: ${stderr.trim()}`))));
    child.stdin!.end(target.script);
  });
}

/** (b) One Node process, node-ssh: connect + one exec of the facts script per host, all at once. */
export async function nodeSshFloor(targets: readonly FloorTarget[]): Promise<void> {
  const keys = new Map<string, string>();
  for (const t of targets) if (!keys.has(t.privateKey)) keys.set(t.privateKey, await readFile(t.privateKey, 'utf8'));
  await Promise.all(
    targets.map(async (t) => {
      const ssh = new NodeSSH();
      await ssh.connect({ host: t.host, port: t.port, username: t.user, privateKey: keys.get(t.privateKey)!, readyTimeout: 60_000 });
      try {
        const result = await ssh.execCommand('sh -s', { stdin: t.script });
        if (result.code !== 0) throw new Error(`${t.host}:${t.port}: facts script exited ${result.code}: ${result.stderr}`);
      } finally {
        ssh.dispose();
      }
    }),
  );
}
