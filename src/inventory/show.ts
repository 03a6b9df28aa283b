/**
 * How inventory values appear in messages. Input may be careless or hostile, and every problem must stay
 * one readable line: a value is escaped JSON-style and cut to a length a terminal line can hold.
 */

/** Characters of a shown value, after escaping, before it is cut with '…'. */
export const MAX_SHOWN = 60;
/** Items of a list shown in a message before "and N more". */
const MAX_LISTED = 6;

// Besides C0 controls (JSON's own escapes): DEL and C1 controls (0x9b starts a terminal escape sequence),
// the Unicode line and paragraph separators, and the bidirectional controls and BOM, which can reorder or
// hide what a line says. Anchored, it matches a lone surrogate but not a pair (for-of yields a pair whole).
const UNSAFE = /^[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]$/;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\\': '\\\\' };

// A label made only of these reads unambiguously without quotes: `host rs1`, `interfaces.eth0`.
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,62}$/;

/** Whether `text` holds a character a message would have to escape: names that become paths and SSH targets refuse them. */
export function hasUnsafeCharacter(text: string): boolean {
  for (const character of text) if (UNSAFE.test(character)) return true;
  return false;
}

function escapeCharacter(character: string, quote: string): string {
  if (character === quote) return `\\${quote}`;
  const short = SHORT_ESCAPES[character];
  if (short !== undefined) return short;
  if (!UNSAFE.test(character)) return character;
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` escaped and cut to `max` characters and '…': one line, no control characters, and safe inside
 * `quote` (pass '' for text shown unquoted).
 */
export function escapeText(text: string, max = MAX_SHOWN, quote = "'"): string {
  let shown = '';
  // By code point, so that a cut never splits a surrogate pair; a lone surrogate is escaped.
  for (const character of text) {
    const piece = escapeCharacter(character, quote);
    if (shown.length + piece.length > max) return `${shown}…`;
    shown += piece;
  }
  return shown;
}

/** A value as written in the inventory, for a message: strings quoted and escaped, others by kind. */
export function show(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `'${escapeText(value)}'`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'nothing';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      if (value === null) return 'null';
      return Array.isArray(value) ? 'a list' : 'an object';
  }
}

/** As `show`, but says so when a string stands where a number belongs: "the string '80'". */
export function showWithType(value: unknown): string {
  return typeof value === 'string' ? `the string ${show(value)}` : show(value);
}

/** A name from the input used as a label (a subject, a path step): bare when plain, else as `show`. */
export function label(text: string): string {
  return PLAIN.test(text) ? text : show(text);
}

/** The path of `key` inside `parent`: `interfaces.eth0`, or `interfaces['eth0 ']` for a key that is not plain. */
export function fieldPath(parent: string, key: string): string {
  if (!PLAIN.test(key)) return `${parent}[${show(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** `a, b, c`, or `a, b, c and 4 more` past a few items. */
export function listed(items: readonly string[]): string {
  if (items.length <= MAX_LISTED) return items.join(', ');
  return `${items.slice(0, MAX_LISTED).join(', ')} and ${items.length - MAX_LISTED} more`;
}
