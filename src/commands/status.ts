import { loadInventory } from '../inventory/load.ts';
import { BastionPool } from '../ssh/bastions.ts';
import { NO_BECOME_OPTIONS, type BecomeOptions } from '../ssh/become.ts';
import { connect } from '../ssh/connection.ts';
import { DirectorReader } from '../status/read.ts';
import { statusScreen } from '../status/screen.ts';
import type { DirectorView } from '../status/view.ts';
import { directorsOf } from '../status/wants.ts';
import { Interruption, signalExitCode, type StopSignal } from './interruption.ts';
import { connectOptions, routesTo, terminalPassphrases, type SshCommandOptions } from './routes.ts';
import type { RunDeps, RunOutput } from './run.ts';

export interface StatusCommandOptions extends SshCommandOptions {
  /** `--limit`: only these directors; empty means every director. */
  readonly limits: readonly string[];
  readonly json: boolean;
  /** `--watch N`: read again every N seconds until a signal. */
  readonly watch?: number;
  /** `--become` and the become password (`--ask-become-pass`, LVSPLAY_BECOME_PASSWORD). */
  readonly become?: BecomeOptions;
}

export interface StatusOutput extends RunOutput {
  /** A terminal: each --watch screen replaces the last one instead of following it. */
  readonly terminal: boolean;
}

/** How status ended: every director read, some director not, or a signal stopped --watch before any read. */
export type StatusEnd = 'ok' | 'failed' | StopSignal;

const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/** Reads every selected director (once, or every --watch seconds) and shows it against the inventory. Changes nothing. */
export async function statusCommand(path: string, options: StatusCommandOptions, output: StatusOutput, deps: RunDeps): Promise<StatusEnd> {
  const inventory = await loadInventory(path);
  const directors = directorsOf(inventory, await deps.roles(), options.limits);
  // A key's passphrase is asked once, before the first connection, and kept for the command's connections.
  const passphrase = terminalPassphrases();
  const routes = await routesTo(
    directors.map(({ host }) => host),
    options,
    output.stderr,
    passphrase,
  );
  const ssh = connectOptions(options, passphrase);
  // One connection per bastion for every read, --watch rounds included; a lost one is dialled again.
  const bastions = new BastionPool(ssh);
  const readers = directors.map(
    ({ host, wants }) =>
      new DirectorReader(host, wants, {
        route: routes.get(host.name)!,
        dial: deps.dial ?? connect,
        commandTimeoutSeconds: options.commandTimeout,
        become: options.become ?? NO_BECOME_OPTIONS,
        ssh,
        bastions,
      }),
  );
  const show = (views: readonly DirectorView[], frame: number): StatusEnd => {
    const at = new Date();
    if (options.json) output.stdout(`${JSON.stringify({ inventory: path, at: at.toISOString(), directors: views }, null, options.watch ? undefined : 2)}\n`);
    else output.stdout(`${options.watch && output.terminal ? CLEAR_SCREEN : frame > 0 ? '\n' : ''}${statusScreen(path, at, views)}`);
    return views.every((view) => view.state === 'read') ? 'ok' : 'failed';
  };
  const read = (): Promise<DirectorView[]> => Promise.all(readers.map((reader) => reader.read()));
  try {
    return options.watch === undefined ? show(await read(), 0) : await watch(options.watch, read, show, output);
  } finally {
    await Promise.all(readers.map((reader) => reader.close()));
    await bastions.close();
  }
}

/**
 * Rounds every `seconds` until SIGINT or SIGTERM; then the last round's end (a round under way is dropped).
 * A second signal ends the process at once.
 */
async function watch(seconds: number, read: () => Promise<DirectorView[]>, show: (views: readonly DirectorView[], frame: number) => StatusEnd, output: RunOutput): Promise<StatusEnd> {
  const interruption = new Interruption({
    first: () => undefined,
    second: (signal) => {
      output.stderr(`lvsplay: ${signal} again: stopped at once\n`);
      process.exit(signalExitCode(signal));
    },
  });
  const stopped = new Promise<'stopped'>((resolve) => interruption.signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
  let last: StatusEnd | undefined;
  try {
    for (let frame = 0; ; frame++) {
      const views = await Promise.race([read(), stopped]);
      if (views === 'stopped') break;
      last = show(views, frame);
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([new Promise<'waited'>((resolve) => (timer = setTimeout(() => resolve('waited'), seconds * 1000))), stopped]);
      clearTimeout(timer);
      if (waited === 'stopped') break;
    }
  } finally {
    interruption.dispose();
  }
  return last ?? interruption.received!;
}
