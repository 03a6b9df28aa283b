/**
 * POSIX shell quoting for values that reach a remote shell.
 *
 * Why not `shell-quote`: its output mixes backslashes, double and single quotes depending on the
 * characters present, and that logic has had real round-trip bugs (1.8.x turns `it's done!` into
 * `"it's done\!"`, which dash prints with the backslash). Single quotes are the one POSIX form in
 * which every character but `'` itself is literal, newlines and `$()` included, so one rule suffices.
 */

/**
 * Words that never need quoting, left bare so that scripts stay readable (paths, unit names, sysctl
 * keys). `=` is not in the set: a bare `A=b` as a command's first word is an assignment; `~` expands.
 */
const SAFE = /^[A-Za-z0-9_@%+:,./-]+$/;

/** One shell word that the shell reads back as exactly `value` (the empty string included). */
export function quote(value: string): string {
  if (SAFE.test(value)) return value;
  // Close the quote, add an escaped quote, reopen: 'it'\''s'.
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Several values as one command-line fragment of separate words. */
export function quoteAll(values: readonly string[]): string {
  return values.map((value) => quote(value)).join(' ');
}
