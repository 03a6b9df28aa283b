// The fleet's SSH hand inside its network namespace: the harness runs in the host's namespace and cannot
// reach a container itself, so it starts this once (`ip netns exec NS node agent.ts`) and sends it requests,
// one JSON object a line on stdin; it answers one a line on stdout, in any order, matched by `id`.
//
//   { id, host, port, user, privateKey, command, stdin?, timeoutMs, retryUntil? }
//   → { id, code, stdout, stderr } | { id, error }
//
// `retryUntil` (epoch ms): keep trying to connect until then (a container still booting refuses or does
// not answer); without it, one attempt. A connection serves one command and is closed.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { NodeSSH } from 'node-ssh';

export interface AgentRequest {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: string;
  readonly command: string;
  readonly stdin?: string;
  readonly timeoutMs: number;
  readonly retryUntil?: number;
}

export type AgentReply = { readonly id: number; readonly code: number; readonly stdout: string; readonly stderr: string } | { readonly id: number; readonly error: string };

const keys = new Map<string, string>();

function key(path: string): string {
  let text = keys.get(path);
  if (text === undefined) {
    text = readFileSync(path, 'utf8');
    keys.set(path, text);
  }
  return text;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function handle(request: AgentRequest): Promise<AgentReply> {
  let lastError = '';
  for (;;) {
    const ssh = new NodeSSH();
    try {
      await ssh.connect({ host: request.host, port: request.port, username: request.user, privateKey: key(request.privateKey), readyTimeout: 10_000 });
    } catch (error) {
      ssh.dispose();
      lastError = (error as Error).message;
      if (request.retryUntil !== undefined && Date.now() + 1_000 < request.retryUntil) {
        await sleep(1_000);
        continue;
      }
      return { id: request.id, error: `cannot connect to ${request.host}:${request.port}: ${lastError}` };
    }
    try {
      const timer = sleep(request.timeoutMs).then(() => 'timeout' as const);
      const result = await Promise.race([ssh.execCommand(request.command, request.stdin === undefined ? {} : { stdin: request.stdin }), timer]);
      if (result === 'timeout') return { id: request.id, error: `${request.host}: '${request.command}' ran longer than ${request.timeoutMs} ms` };
      return { id: request.id, code: result.code ?? 255, stdout: result.stdout, stderr: result.stderr };
    } catch (error) {
      return { id: request.id, error: `${request.host}: ${(error as Error).message}` };
    } finally {
      ssh.dispose();
    }
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  const request = JSON.parse(line) as AgentRequest;
  void handle(request).then((reply) => process.stdout.write(`${JSON.stringify(reply)}\n`));
});
// The harness closing our stdin is the signal to go.
lines.on('close', () => setTimeout(() => process.exit(0), 100));
