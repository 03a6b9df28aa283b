/**
 * One config line split the way OpenSSH's readconf.c splits it (9.x): the keyword by strdelim (space,
 * tab or one `=`), the arguments by argv_split (double or single quotes, backslash escapes of quotes,
 * backslash and space, `#` starting a comment only at the start of an argument), and the raw rest
 * kept for the keywords that read it whole (ProxyCommand, ProxyJump, Match).
 */

const WHITESPACE = ' \t\r\n';

export type LexedLine =
  | { readonly kind: 'empty' }
  | { readonly kind: 'bad'; readonly message: string }
  | { readonly kind: 'directive' /** keyword lowercased, word as written. */; readonly keyword: string; readonly word: string; readonly args: readonly string[]; readonly rest: string };

export function lexLine(text: string): LexedLine {
  const line = trimEnd(text, `${WHITESPACE}\f`);
  if (line === '') return { kind: 'empty' };
  let { token: keyword, rest } = strdelim(line);
  if (keyword === '') ({ token: keyword, rest } = strdelim(rest));
  if (keyword === undefined || keyword === '' || keyword.startsWith('#')) return { kind: 'empty' };
  const word = keyword;
  keyword = keyword.toLowerCase();
  const tail = rest === undefined ? '' : skip(rest, WHITESPACE);
  if (tail === '') return { kind: 'bad', message: `no argument after keyword "${keyword}"` };
  const args = argvSplit(tail);
  if (args === undefined) return { kind: 'bad', message: 'invalid quotes' };
  return { kind: 'directive', keyword, word, args, rest: tail };
}

export interface Delimited {
  /** undefined when the text is used up, or when a quote is not closed. */
  readonly token: string | undefined;
  readonly rest: string | undefined;
}

/** OpenSSH's strdelim: the next word, ended by whitespace, a quote pair, or one `=`. */
export function strdelim(text: string | undefined): Delimited {
  if (text === undefined) return { token: undefined, rest: undefined };
  const at = firstOf(text, `${WHITESPACE}"=`);
  if (at < 0) return { token: text, rest: undefined };
  if (text[at] === '"') {
    const unquoted = text.slice(0, at) + text.slice(at + 1);
    const close = unquoted.indexOf('"', at);
    if (close < 0) return { token: undefined, rest: undefined };
    return { token: unquoted.slice(0, close), rest: skip(unquoted.slice(close + 1), WHITESPACE) };
  }
  const sawEquals = text[at] === '=';
  let rest = skip(text.slice(at + 1), WHITESPACE);
  if (rest.startsWith('=') && !sawEquals) rest = skip(rest.slice(1), WHITESPACE);
  return { token: text.slice(0, at), rest };
}

/** OpenSSH's argv_split with comments: undefined for an unclosed quote. */
export function argvSplit(text: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ' || text[i] === '\t') {
      i++;
      continue;
    }
    if (text[i] === '#') break;
    let arg = '';
    let quote = '';
    for (; i < text.length; i++) {
      const char = text[i]!;
      const next = text[i + 1];
      if (char === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) i++;
        arg += text[i];
      } else if (quote === '' && (char === ' ' || char === '\t')) break;
      else if (quote === '' && (char === '"' || char === "'")) quote = char;
      else if (quote !== '' && char === quote) quote = '';
      else arg += char;
    }
    if (quote !== '') return undefined;
    args.push(arg);
  }
  return args;
}

function firstOf(text: string, chars: string): number {
  for (let i = 0; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return -1;
}

function skip(text: string, chars: string): string {
  let i = 0;
  while (i < text.length && chars.includes(text[i]!)) i++;
  return text.slice(i);
}

function trimEnd(text: string, chars: string): string {
  let end = text.length;
  // OpenSSH keeps the first character even when it is whitespace (its loop stops at index 1).
  while (end > 1 && chars.includes(text[end - 1]!)) end--;
  return text.slice(0, end);
}
