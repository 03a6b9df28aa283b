import { InventoryLoadError } from './issues.ts';
import { show } from './show.ts';

/**
 * A TypeScript inventory is code, run while lvsplay loads it. It must not be able to end lvsplay
 * (`process.exit`) or leave it waiting forever (a top-level await that never settles, which Node ends
 * with exit code 13 and no word): either becomes an InventoryLoadError naming the file.
 */

/** How long loading may take before lvsplay gives up; a bound for awaits that keep the process busy forever. */
export const LOAD_TIMEOUT_MS = 30_000;

const NEVER_SETTLES = 'did not finish loading: its top-level await never settles';

/** Thrown inside the inventory where it calls process.exit, so that its own code stops there. */
class ExitWhileLoading extends Error {
  constructor(readonly code: unknown) {
    super(`called process.exit(${code === undefined ? '' : show(code)}) while loading`);
  }
}

/**
 * Runs `load`, with process.exit refused and process.exitCode kept, and rejects if it does not settle: at
 * once when nothing is left for the event loop to do, else after `timeoutMs`.
 */
export async function guardLoading<T>(file: string, load: () => Promise<T>, timeoutMs = LOAD_TIMEOUT_MS): Promise<T> {
  const { exit, exitCode } = process;
  let exitCall: ExitWhileLoading | undefined;
  process.exit = ((code?: unknown) => {
    exitCall ??= new ExitWhileLoading(code);
    throw exitCall;
  }) as typeof process.exit;
  let timer: NodeJS.Timeout | undefined;
  let onEmptyLoop: (() => void) | undefined;
  const unsettled = new Promise<never>((_, reject) => {
    // 'beforeExit' comes when the event loop is empty: the awaited promise can no longer settle.
    onEmptyLoop = () => reject(new InventoryLoadError(file, NEVER_SETTLES));
    process.once('beforeExit', onEmptyLoop);
    const seconds = timeoutMs / 1000;
    const slow = `did not finish loading within ${seconds} s (a top-level await that never settles?)`;
    timer = setTimeout(() => reject(new InventoryLoadError(file, slow)), timeoutMs);
    // Unreferenced, so that the timer alone does not keep the loop busy and 'beforeExit' can still come.
    timer.unref();
  });
  try {
    const loaded = await Promise.race([load(), unsettled]);
    if (exitCall) throw exitCall; // the inventory caught it and went on
    return loaded;
  } catch (error) {
    throw exitCall ? new InventoryLoadError(locate(file, exitCall), exitCall.message) : error;
  } finally {
    process.exit = exit;
    process.exitCode = exitCode;
    clearTimeout(timer);
    if (onEmptyLoop) process.off('beforeExit', onEmptyLoop);
  }
}

/** file:line:column of the first line of `error`'s stack in `file`, else `file`. */
export function locate(file: string, error: Error): string {
  const where = positionIn(file, String(error.stack ?? ''));
  return where ? `${file}:${where.line}:${where.column}` : file;
}

/** The first `file:line:column` in `text`: where it is, and the text it matched. */
export function positionIn(file: string, text: string): { line: string; column: string; match: string } | undefined {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const where = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(text);
  return where ? { line: where[1]!, column: where[2]!, match: where[0] } : undefined;
}
