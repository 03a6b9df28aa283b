// Runs the real lvsplay command line against a lab, as an operator would, and reads its --json report.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SshAccess } from '../lab/lab.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/lvsplay.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface JsonItem {
  item: string;
  kind: string;
  roles: string[];
  status: string;
  reason: string;
}

export interface JsonHost {
  host: string;
  status: string;
  error?: string;
  tally: { ok: number; changed: number; failed: number; notRun: number };
  items: JsonItem[];
  unmanaged: { service: string; kind: string; reason?: string }[];
  withheld?: string[];
  diffs?: string[];
}

/** `env` replaces this process's environment (an operator's HOME and ssh-agent, say). */
export function lvsplay(args: readonly string[], timeoutMs = 10 * 60_000, env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 << 20, ...(env && { env }) }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** `lvsplay run … --json`, failing the test with lvsplay's own words when the report is not JSON. */
export async function runJson(args: readonly string[]): Promise<{ code: number; hosts: JsonHost[] }> {
  const result = await lvsplay([...args, '--json']);
  try {
    return { code: result.code, hosts: (JSON.parse(result.stdout) as { hosts: JsonHost[] }).hosts };
  } catch {
    throw new Error(`lvsplay ${args.join(' ')} printed no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** What a test changes in a seed's inventory: its services, and hosts left out. */
export interface InventoryEdit {
  /** Names the file, so that edits of one lab do not overwrite each other. */
  readonly name: string;
  readonly services?: readonly unknown[];
  readonly withoutHosts?: readonly string[];
  /** Hosts marked `state: 'absent'`. */
  readonly absent?: readonly string[];
  /** Fields added to hosts, by host: `{ lvs: { ipvs: { … } } }`. */
  readonly hostFields?: Readonly<Record<string, object>>;
}

/**
 * A lab inventory: the seed's own inventory file, imported as it is, with only `ssh` replaced by how the
 * lab reaches each VM, and whatever `edit` changes.
 */
export async function writeLabInventory(dir: string, seed: string, access: Readonly<Record<string, SshAccess>>, edit?: InventoryEdit): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${seed}${edit ? `.${edit.name}` : ''}.lab.ts`);
  const dropped = JSON.stringify(edit?.withoutHosts ?? []);
  await writeFile(
    file,
    [
      "import { defineInventory } from 'lvsplay';",
      `import seed from ${JSON.stringify(join(ROOT, 'inventories', `${seed}.ts`))};`,
      `const access: Record<string, { host: string; port: number; user: string; privateKey: string }> = ${JSON.stringify(access)};`,
      `const dropped: string[] = ${dropped};`,
      `const absent: string[] = ${JSON.stringify(edit?.absent ?? [])};`,
      `const fields: Record<string, object> = ${JSON.stringify(edit?.hostFields ?? {})};`,
      'export default defineInventory({',
      '  ...seed,',
      "  hosts: Object.fromEntries(Object.entries(seed.hosts).filter(([name]) => !dropped.includes(name)).map(([name, host]) => [name, { ...host, ssh: access[name], ...fields[name], ...(absent.includes(name) && { state: 'absent' as const }) }])),",
      ...(edit?.services ? [`  services: ${JSON.stringify(edit.services)},`] : []),
      '});',
      '',
    ].join('\n'),
  );
  return file;
}

/** The failed and unreachable hosts of a run, each with why: what a failed assertion on a run shows. */
export function failureText(hosts: readonly JsonHost[]): string {
  return hosts
    .filter((h) => h.status === 'failed' || h.status === 'unreachable')
    .map(
      (h) =>
        `${h.host}: ${
          h.error ??
          h.items
            .filter((i) => i.status === 'failed')
            .map((i) => `${i.item}: ${i.reason}`)
            .join('; ')
        }`,
    )
    .join('\n');
}
