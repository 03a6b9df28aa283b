import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { InventoryError, InventoryLoadError } from './inventory/issues.ts';
import { SelectionError } from './select.ts';
import { TemplateError } from './templates.ts';

/** Exit codes: 0 done, 1 the inventory or a host failed, 2 the command line itself was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const EXPECTED_ERRORS = [InventoryError, InventoryLoadError, SelectionError, TemplateError];

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const write = (text: string): void => {
  process.stdout.write(text);
};

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function program(): Command {
  const cli = new Command('lvsplay')
    .description('Build Linux Virtual Server (LVS/IPVS) clusters from a typed inventory, over plain SSH.')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });

  cli
    .command('validate')
    .description('check an inventory (types, fields, addresses, roles) without connecting to any host')
    .argument('<inventory>', 'inventory file (.ts, .js, .yml)')
    .action(async (inventory: string) => {
      const { validateCommand } = await import('./commands/validate.ts');
      await validateCommand(inventory, print);
    });

  cli
    .command('render')
    .description("write every managed file of every host under DIR/<host>/, without connecting to any host")
    .argument('<inventory>', 'inventory file (.ts, .js, .yml)')
    .requiredOption('--out <dir>', 'folder to write into')
    .addOption(roleOption())
    .addOption(limitOption())
    .action(async (inventory: string, options: { out: string; role: string[]; limit: string[] }) => {
      const { renderCommand } = await import('./commands/render.ts');
      await renderCommand(inventory, options.out, { roles: options.role, limits: options.limit }, print);
    });

  cli
    .command('run')
    .description('make every host match the inventory over SSH: routers, then real servers, then directors')
    .argument('<inventory>', 'inventory file (.ts, .js, .yml)')
    .addOption(roleOption())
    .addOption(limitOption())
    .option('--check', 'connect and report what would change, changing nothing', false)
    .option('--diff', 'show unified diffs of files and the IPVS delta', false)
    .addOption(new Option('--forks <n>', 'hosts worked on at once').argParser(positiveInteger('--forks')).default(20))
    .option('--json', 'print the results as JSON instead of live progress', false)
    .option('--known-hosts <file>', 'known_hosts file to check host keys against (default ~/.ssh/known_hosts)')
    .option('--accept-new-host-keys', "trust and record the key of a host not yet in known_hosts (never a changed key)", false)
    .addOption(new Option('--connect-timeout <s>', 'seconds to wait for an SSH connection').argParser(positiveInteger('--connect-timeout')).default(15))
    .addOption(new Option('--command-timeout <s>', 'seconds a remote script may run').argParser(positiveInteger('--command-timeout')).default(300))
    .action(async (inventory: string, options: RunOptions) => {
      const { runCommand } = await import('./commands/run.ts');
      const ok = await runCommand(inventory, { ...options, roles: options.role, limits: options.limit }, write);
      if (!ok) throw new RunFailed();
    });

  return cli;
}

interface RunOptions {
  role: string[];
  limit: string[];
  check: boolean;
  diff: boolean;
  forks: number;
  json: boolean;
  knownHosts?: string;
  acceptNewHostKeys: boolean;
  connectTimeout: number;
  commandTimeout: number;
}

/** Some host failed; the recap has said which and why. */
class RunFailed extends Error {}

function positiveInteger(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a whole number from 1 up, got '${value}'`);
    return n;
  };
}

function roleOption(): Option {
  return new Option('--role <role>', 'only this role (repeatable)').argParser(collect).default([]);
}

function limitOption(): Option {
  return new Option('--limit <host>', 'only this host (repeatable)').argParser(collect).default([]);
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof RunFailed) return EXIT.failed;
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (EXPECTED_ERRORS.some((type) => error instanceof type)) {
      process.stderr.write(`lvsplay: ${(error as Error).message}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}
