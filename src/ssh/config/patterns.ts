/** OpenSSH's host and user patterns (match.c): `*` and `?` wildcards, `!` negation, comma lists. */

/** One pattern against a string, case-sensitively, as match_pattern does. */
export function matchPattern(text: string, pattern: string): boolean {
  let regex = '';
  for (const char of pattern) regex += char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  return new RegExp(`^${regex}$`, 's').test(text);
}

/**
 * A comma-separated list with `!` negations, as match_pattern_list: 'negated' when a negated pattern
 * matches (whatever else does), 'yes' when a plain one does, 'no' otherwise.
 */
export function matchPatternList(text: string, list: string, lowercasePatterns: boolean): 'yes' | 'no' | 'negated' {
  let positive = false;
  for (const item of list.split(',')) {
    const negated = item.startsWith('!');
    const pattern = negated ? item.slice(1) : item;
    if (!matchPattern(text, lowercasePatterns ? pattern.toLowerCase() : pattern)) continue;
    if (negated) return 'negated';
    positive = true;
  }
  return positive ? 'yes' : 'no';
}

/** Match host/originalhost: the name lowercased against the lowercased list, as match_hostname. */
export function matchHostname(host: string, list: string): boolean {
  return matchPatternList(host.toLowerCase(), list, true) === 'yes';
}

/**
 * A Host line's arguments (each one pattern, no comma lists): applies when one pattern matches and no
 * `!pattern` does.
 */
export function matchHostLine(host: string, patterns: readonly string[]): boolean {
  let active = false;
  for (const argument of patterns) {
    const negated = argument.startsWith('!');
    if (!matchPattern(host, negated ? argument.slice(1) : argument)) continue;
    if (negated) return false;
    active = true;
  }
  return active;
}
