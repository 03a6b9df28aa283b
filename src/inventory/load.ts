import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';
import { parseDocument } from 'yaml';
import { InventoryError, InventoryLoadError, IssueList } from './issues.ts';
import type { Inventory } from './model.ts';
import { parseInventory } from './parse.ts';
import { resolveInventory } from './resolve.ts';
import { guardLoading, LOAD_TIMEOUT_MS, locate, positionIn } from './script-guard.ts';
import { escapeText } from './show.ts';

/** Inventory files import `defineInventory` from 'lvsplay'; point that at this copy wherever the file lives. */
export const PACKAGE_ENTRY = fileURLToPath(new URL('../index.ts', import.meta.url));

const SCRIPT_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
const YAML_EXTENSIONS = ['.yml', '.yaml'];
/** YAML aliases expanded, weighted by the size of what each repeats: past this, a "billion laughs" bomb. */
const MAX_YAML_ALIASES = 100;
/** Characters of an error message shown from a loader or the inventory's own code. */
const MAX_REASON = 200;

export interface LoadOptions {
  /** How long a script inventory may take to load; tests shorten it. */
  readonly timeoutMs?: number;
}

/** Reads, checks and resolves an inventory; throws InventoryLoadError or InventoryError, nothing else expected. */
export async function loadInventory(path: string, options: LoadOptions = {}): Promise<Inventory> {
  return checkInventory(path, await readInventoryInput(resolve(path), options));
}

/** Checks an inventory's content, however it was read; `file` only names it in messages. */
export function checkInventory(file: string, input: unknown): Inventory {
  const issues = new IssueList();
  const draft = parseInventory(input, issues);
  // Relations between hosts are checked only once each host and service is sound on its own.
  const inventory = draft && issues.items.length === 0 ? resolveInventory(file, draft, issues) : undefined;
  if (!inventory || issues.items.length > 0) throw new InventoryError(file, issues.items);
  return inventory;
}

export async function readInventoryInput(file: string, options: LoadOptions = {}): Promise<unknown> {
  const extension = extname(file);
  if (YAML_EXTENSIONS.includes(extension)) return readYaml(file);
  if (SCRIPT_EXTENSIONS.includes(extension)) return importScript(file, options.timeoutMs ?? LOAD_TIMEOUT_MS);
  throw new InventoryLoadError(file, `unknown inventory type '${extension}': use .ts, .js, .yml or .yaml`);
}

async function readYaml(file: string): Promise<unknown> {
  const text = await readSource(file);
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = document.errors[0];
  if (error) {
    const position = error.linePos?.[0];
    const location = position ? `${file}:${position.line}:${position.col}` : file;
    throw new InventoryLoadError(location, oneLine(error.message));
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // yaml throws a ReferenceError when aliases would expand past maxAliasCount.
    const reason =
      error instanceof ReferenceError && /alias/i.test(error.message)
        ? `too many aliases: their expansion exceeds ${MAX_YAML_ALIASES} (a YAML alias bomb?)`
        : `cannot be read as YAML: ${oneLine(messageOf(error))}`;
    throw new InventoryLoadError(file, reason);
  }
}

async function importScript(file: string, timeoutMs: number): Promise<unknown> {
  await readSource(file); // a missing file gets its own message, not the loader's
  // jiti's file cache (keyed by the file's content) is left on: an unchanged inventory then loads without
  // starting Babel, 20 MB and 0.16 s less per run.
  const jiti = createJiti(import.meta.url, { alias: { lvsplay: PACKAGE_ENTRY }, moduleCache: false });
  try {
    return await guardLoading(file, () => jiti.import(file, { default: true }), timeoutMs);
  } catch (error) {
    throw error instanceof InventoryLoadError ? error : scriptError(file, error);
  }
}

async function readSource(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InventoryLoadError(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`);
  }
}

// Syntax errors carry "file:line:col" in their message; errors thrown while the file runs, in their stack.
function scriptError(file: string, error: unknown): InventoryLoadError {
  const err = error instanceof Error ? error : new Error(messageOf(error));
  const message = messageOf(err);
  const inMessage = positionIn(file, message);
  if (inMessage) {
    const reason = message
      .replace(inMessage.match, '')
      .replace(/^\s*(ParseError|Error)?:?\s*/, '')
      .trim();
    return new InventoryLoadError(`${file}:${inMessage.line}:${inMessage.column}`, `syntax error: ${oneLine(reason)}`);
  }
  return new InventoryLoadError(locate(file, err), `${escapeText(String(err.name), MAX_REASON, '')}: ${oneLine(message)}`);
}

/** What was thrown, as text, whatever it was (even an object with no toString). */
function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return 'an unprintable value';
  }
}

/** The first line of a message, escaped and cut: it is printed as one line of lvsplay's output. */
function oneLine(message: string): string {
  return escapeText(message.split('\n')[0]!, MAX_REASON, '');
}
