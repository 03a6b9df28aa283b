import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { RunDeps, RunEnd } from './commands/run.ts';
import { OutDirError } from './commands/out-dir.ts';
import { signalExitCode } from './commands/interruption.ts';
import { BECOME_PASSWORD_VARIABLE, becomeOptionsFrom, type BecomeFlags } from './commands/become-input.ts';
import { InventoryError, InventoryLoadError, type Issue } from './inventory/issues.ts';
import { SelectionError } from './select.ts';
import { BecomePasswordError } from './ssh/become-password.ts';
import { CredentialError } from './ssh/errors.ts';
import { ReachError } from './ssh/reach.ts';
import { TemplateError } from './templates.ts';

/**
 * Exit codes: 0 done, 1 the inventory or a host failed, 2 the command line itself was wrong, 3 (only asked for
 * with `run --check --detailed-exitcode`) changes are pending; 130/143: a signal stopped a run. Terraform's
 * `plan -detailed-exitcode` says "changes" with 2, which here already means a wrong command line.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, pending: 3 } as const;

/**
 * Remote scripts run under `timeout N` and the SSH side waits N + 15 s in a Node timer, which holds
 * at most 2^31-1 ms (about 24.8 days): past that it fires at once and fails every host.
 */
const TIMEOUT_LIMITS = { '--connect-timeout': 3_600, '--command-timeout': 86_400 } as const;

const RUN_EXIT_CODES = `
Exit codes:
  ${EXIT.ok}        done (with --check: nothing failed; with --detailed-exitcode: nothing to change either)
  ${EXIT.failed}        the inventory, a key or a host failed (or was unreachable)
  ${EXIT.usage}        the command line was wrong
  ${EXIT.pending}        --check --detailed-exitcode only: no host failed, and some host has changes pending
  130, 143 SIGINT or SIGTERM stopped the run`;

/** `--watch` alone: as watch(1). */
const WATCH_SECONDS = 2;

const STATUS_EXIT_CODES = `
Exit codes:
  ${EXIT.ok}        every director read (drift or not); with --watch: the last read, when Ctrl-C stops it
  ${EXIT.failed}        the inventory or a key failed, or a director could not be read (unreachable, or its script failed)
  ${EXIT.usage}        the command line was wrong (--limit naming no director, say)
  130, 143 SIGINT or SIGTERM stopped --watch before its first read`;

const stdout = (text: string): void => {
  process.stdout.write(text);
};

const stderr = (text: string): void => {
  process.stderr.write(text);
};

const print = (line: string): void => stdout(`${line}\n`);

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function program(onRunEnd: (end: RunEnd) => void, deps: RunDeps): Command {
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
    .description('write every managed file of every host under DIR/<host>/, without connecting to any host')
    .argument('<inventory>', 'inventory file (.ts, .js, .yml)')
    .requiredOption('--out <dir>', 'folder to write into')
    .addOption(roleOption())
    .addOption(limitOption())
    .action(async (inventory: string, options: { out: string; role: string[]; limit: string[] }) => {
      const { renderCommand } = await import('./commands/render.ts');
      await renderCommand(inventory, options.out, { roles: options.role, limits: options.limit }, print, deps.roles);
    });

  cli
    .command('run')
    .description('make every host match the inventory over SSH: routers, then real servers, then directors')
    .argument('<inventory>', 'inventory file (.ts, .js, .yml)')
    .addOption(roleOption())
    .addOption(limitOption())
    .option('--check', 'connect and report what would change, changing nothing', false)
    .option('--diff', 'show unified diffs of files and the IPVS delta', false)
    .option('--detailed-exitcode', `with --check: exit ${EXIT.pending} if any host has changes pending, ${EXIT.ok} if none (a failed host still exits ${EXIT.failed})`, false)
    .addOption(new Option('--forks <n>', 'hosts worked on at once').argParser(wholeNumber('--forks')).default(20))
    .option('--json', 'print the results as JSON instead of live progress', false)
    .option('--known-hosts <file>', 'known_hosts file to check host keys against (default ~/.ssh/known_hosts)')
    .option('--accept-new-host-keys', 'trust and record the key of a host not yet in known_hosts (never a changed key); as StrictHostKeyChecking accept-new in the ssh config')
    .option('--ssh-config <file>', "OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (as ssh -F), or 'none'")
    .addOption(timeoutOption('--connect-timeout', "seconds to wait for an SSH connection (default: the ssh config's ConnectTimeout, else 15)"))
    .option('--become', "run every host's scripts as root through sudo (as inventory become: true does for one host)", false)
    .option('--ask-become-pass', `ask for the sudo password on the terminal (without one: ${BECOME_PASSWORD_VARIABLE}, or sudo needing none)`, false)
    .addOption(timeoutOption('--command-timeout', 'seconds a remote script may run', 300))
    .action(async (inventory: string, options: RunOptions, command: Command) => {
      // Refused before the inventory is read: without --check a run changes hosts, and "pending" means nothing.
      if (options.detailedExitcode && !options.check) {
        command.error("error: option '--detailed-exitcode' only works with '--check' (a run without --check leaves no changes pending)", {
          exitCode: EXIT.usage,
          code: 'lvsplay.detailedExitcodeWithoutCheck',
        });
      }
      const { runCommand } = await import('./commands/run.ts');
      const become = await becomeOptionsFrom(options, process.env);
      const end = await runCommand(inventory, { ...options, roles: options.role, limits: options.limit, become }, { stdout, stderr }, deps);
      // Pending changes are news only to whoever asked for them; to everyone else a check that found them went fine.
      onRunEnd(end === 'pending' && !options.detailedExitcode ? 'ok' : end);
    })
    .addHelpText('after', RUN_EXIT_CODES);

  cli
    .command('status')
    .description('show each director live against the inventory: services, real servers (weight, connections, rates, a TCP check), drift; changes nothing')
    .argument('<inventory>', 'inventory file (.ts, .js, .yml)')
    .addOption(new Option('--limit <director>', 'only this director (repeatable)').argParser(collect).default([]))
    .option('--json', 'print the status as JSON (with --watch, one object per line)', false)
    .addOption(new Option('--watch [s]', `read again every s seconds (default ${WATCH_SECONDS}) until Ctrl-C`).argParser(wholeNumber('--watch', 3_600, ' of seconds')).preset(WATCH_SECONDS))
    .option('--known-hosts <file>', 'known_hosts file to check host keys against (default ~/.ssh/known_hosts)')
    .option('--accept-new-host-keys', 'trust and record the key of a host not yet in known_hosts (never a changed key); as StrictHostKeyChecking accept-new in the ssh config')
    .option('--ssh-config <file>', "OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (as ssh -F), or 'none'")
    .addOption(timeoutOption('--connect-timeout', "seconds to wait for an SSH connection (default: the ssh config's ConnectTimeout, else 15)"))
    .option('--become', "run every director's status script as root through sudo", false)
    .option('--ask-become-pass', `ask for the sudo password on the terminal (without one: ${BECOME_PASSWORD_VARIABLE}, or sudo needing none)`, false)
    .addOption(timeoutOption('--command-timeout', 'seconds the status script may run on a director', 60))
    .action(async (inventory: string, options: StatusOptions) => {
      const { statusCommand } = await import('./commands/status.ts');
      const output = { stdout, stderr, terminal: process.stdout.isTTY === true };
      const become = await becomeOptionsFrom(options, process.env);
      onRunEnd(await statusCommand(inventory, { ...options, limits: options.limit, become }, output, deps));
    })
    .addHelpText('after', STATUS_EXIT_CODES);

  return cli;
}

interface StatusOptions extends BecomeFlags {
  limit: string[];
  json: boolean;
  watch?: number;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  sshConfig?: string;
  connectTimeout?: number;
  commandTimeout: number;
}

interface RunOptions extends BecomeFlags {
  role: string[];
  limit: string[];
  check: boolean;
  diff: boolean;
  detailedExitcode: boolean;
  forks: number;
  json: boolean;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  sshConfig?: string;
  connectTimeout?: number;
  commandTimeout: number;
}

function wholeNumber(flag: string, max?: number, unit = ''): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || (max !== undefined && n > max)) {
      const range = max === undefined ? 'from 1 up' : `from 1 to ${max}`;
      throw new InvalidArgumentError(`${flag} takes a whole number${unit} ${range}, got '${value}'`);
    }
    return n;
  };
}

function timeoutOption(flag: keyof typeof TIMEOUT_LIMITS, description: string, seconds?: number): Option {
  const max = TIMEOUT_LIMITS[flag];
  const option = new Option(`${flag} <s>`, `${description} (1 to ${max})`).argParser(wholeNumber(flag, max, ' of seconds'));
  return seconds === undefined ? option : option.default(seconds);
}

function roleOption(): Option {
  return new Option('--role <role>', 'only this role (repeatable)').argParser(collect).default([]);
}

function limitOption(): Option {
  return new Option('--limit <host>', 'only this host (repeatable)').argParser(collect).default([]);
}

/** An error lvsplay expects (bad input, an unusable --out or key): reported in a line or a few, never as a stack. */
interface Failure {
  readonly kind: 'usage' | 'inventory' | 'template' | 'output' | 'credentials' | 'ssh-config';
  readonly exit: number;
  readonly message: string;
  readonly issues?: readonly Issue[];
}

function expectedFailure(error: unknown): Failure | undefined {
  if (error instanceof SelectionError) return { kind: 'usage', exit: EXIT.usage, message: error.message };
  if (error instanceof BecomePasswordError) return { kind: 'usage', exit: EXIT.usage, message: error.message };
  if (error instanceof OutDirError) return { kind: 'output', exit: error.usage ? EXIT.usage : EXIT.failed, message: error.message };
  if (error instanceof InventoryError) return { kind: 'inventory', exit: EXIT.failed, message: error.message, issues: error.issues };
  if (error instanceof InventoryLoadError) return { kind: 'inventory', exit: EXIT.failed, message: error.message };
  if (error instanceof TemplateError) return { kind: 'template', exit: EXIT.failed, message: error.message };
  if (error instanceof CredentialError) return { kind: 'credentials', exit: EXIT.failed, message: error.message, issues: error.issues };
  if (error instanceof ReachError) return { kind: 'ssh-config', exit: EXIT.failed, message: error.message, issues: error.issues };
  return undefined;
}

/** `{"error": {...}}` for --json: a script reading stdout gets an object whatever went wrong. */
function jsonError(failure: Failure): string {
  const { kind, message, issues } = failure;
  // With issues, the message's first line is the summary and the issues are the rest.
  const summary = issues ? message.split('\n')[0]! : message;
  return `${JSON.stringify({ error: { kind, message: summary, ...(issues && { issues }) } }, null, 2)}\n`;
}

/**
 * Whether the command line asks for JSON. Read from the words themselves: a usage error stops
 * commander before it has parsed the options, and the JSON error is owed then too.
 */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

export async function main(argv: readonly string[], deps: RunDeps): Promise<number> {
  let end: RunEnd = 'ok';
  try {
    await program((runEnd) => (end = runEnd), deps).parseAsync(argv, { from: 'user' });
  } catch (error) {
    return failed(error, wantsJson(argv));
  }
  return exitCodeOf(end);
}

function exitCodeOf(end: RunEnd): number {
  switch (end) {
    case 'ok':
      return EXIT.ok;
    case 'pending':
      return EXIT.pending;
    case 'failed':
      return EXIT.failed;
    default:
      return signalExitCode(end);
  }
}

function failed(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) {
    // --help and --version end this way too; commander has already printed the message.
    if (error.exitCode === 0) return EXIT.ok;
    if (json) stdout(jsonError({ kind: 'usage', exit: EXIT.usage, message: error.message.replace(/^error: /, '') }));
    return EXIT.usage;
  }
  const failure = expectedFailure(error);
  if (!failure) throw error;
  stderr(`lvsplay: ${failure.message}\n`);
  if (json) stdout(jsonError(failure));
  return failure.exit;
}
