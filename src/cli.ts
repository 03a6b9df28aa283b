import { Command, CommanderError, Option } from 'commander';
import { InventoryError, InventoryLoadError } from './inventory/issues.ts';
import { SelectionError } from './select.ts';
import { TemplateError } from './templates.ts';

/** Exit codes: 0 done, 1 the inventory or a host failed, 2 the command line itself was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const EXPECTED_ERRORS = [InventoryError, InventoryLoadError, SelectionError, TemplateError];

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
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

  return cli;
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
