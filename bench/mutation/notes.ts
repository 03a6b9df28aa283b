/**
 * Why a mutant lives, for bench/mutation/REPORT.md. A note matches a surviving mutant by file, mutator and
 * the exact source text it replaced (and the replacement, and text of its line, when given), not by line
 * number, so it holds while the code around it moves. `equivalent`: no test can kill it, since it behaves as
 * the code does for every input the code can get.
 */
export interface Note {
  readonly file: string;
  readonly mutator: string;
  readonly original: string;
  readonly replacement?: string;
  /** Text the mutant's source line contains, where the same original appears more than once in the file. */
  readonly context?: string;
  readonly equivalent: boolean;
  readonly why: string;
}

const PLAN = 'src/plan/plan.ts';
const SCRIPT = 'src/apply/script.ts';
const STRYKER_ARRAY = '["Stryker was here"]';
const LAB = 'Not equivalent: only a real ipvsadm -R can tell, and unit tests may not fake one (project rule); the lab case of issue 15 with a failing ipvsadm -R line kills it.';
const SHORTCUT = 'sameDestinationsInOrder is a shortcut for the common case: when it answers "not the same", the full comparison that follows finds no change either.';

export const NOTES: readonly Note[] = [
  { file: PLAN, mutator: 'ArrayDeclaration', original: '[]', replacement: STRYKER_ARRAY, context: 'persisted ?? []', equivalent: true, why: 'Used only when the host has no IPVS facts, so no live service: a made-up owned entry owns nothing.' },
  { file: PLAN, mutator: 'ArrayDeclaration', original: '[]', replacement: STRYKER_ARRAY, context: 'live ?? []', equivalent: true, why: 'Without IPVS facts the made-up live entry is neither wanted nor owned: no command for it, and unmanaged services are only listed from IPVS facts.' },
  { file: PLAN, mutator: 'ArrayDeclaration', original: '[]', replacement: STRYKER_ARRAY, context: 'ipvsChanges ?? []', equivalent: true, why: 'Unreachable: planHost always records ipvsChanges on an IPVS item.' },
  { file: PLAN, mutator: 'ConditionalExpression', original: 'template !== undefined', replacement: 'true', equivalent: true, why: '`name.startsWith(undefined)` looks for the prefix "undefined": no unit lvsplay manages is named so.' },
  { file: SCRIPT, mutator: 'Regex', original: '/.{1,76}/g', equivalent: true, why: '`base64 -d` ignores line breaks: lines of one character decode to the same bytes (the script only grows).' },
  { file: SCRIPT, mutator: 'ConditionalExpression', original: 'Buffer.byteLength(item.content) <= INLINE_MAX', equivalent: true, why: 'The size only chooses the faster way to send a file; both write the same file (both are tested, in test/unit/apply/script.test.ts).' },
  { file: SCRIPT, mutator: 'EqualityOperator', original: 'Buffer.byteLength(item.content) <= INLINE_MAX', equivalent: true, why: 'A file of exactly 16 kB travels the other way, and is written the same.' },
  { file: SCRIPT, mutator: 'StringLiteral', original: "'modprobe ip_vs || return 1'", equivalent: false, why: LAB },
  { file: SCRIPT, mutator: 'StringLiteral', original: "') || return 1'", equivalent: false, why: LAB },
  { file: SCRIPT, mutator: 'StringLiteral', original: '`lvsplay_err=$(printf \'%s\\\\n\' "$lvsplay_delta" | ipvsadm -R 2>&1 >/dev/null)`', equivalent: false, why: LAB },
  { file: SCRIPT, mutator: 'StringLiteral', original: "'[ -z \"$lvsplay_err\" ] || { printf \\'%s\\\\n\\' \"$lvsplay_err\"; return 1; }'", equivalent: false, why: `The stderr check of issue 15. ${LAB}` },
  { file: SCRIPT, mutator: 'EqualityOperator', original: 'i < lines.length', equivalent: true, why: 'lines[lines.length] is undefined, which the marker pattern never matches.' },
  { file: SCRIPT, mutator: 'ConditionalExpression', original: "item.kind === 'sysctl'", replacement: 'true', equivalent: true, why: 'Only sysctl items have a `file`, so the file test alone picks the same items.' },
  { file: 'src/ipvs/delta.ts', mutator: 'ConditionalExpression', original: 'sameDestinationsInOrder(have.destinations, want.destinations)', replacement: 'false', equivalent: true, why: SHORTCUT },
  { file: 'src/ipvs/delta.ts', mutator: 'BlockStatement', original: '{\n  if (have.length !== want.length) return false;\n  return have.every((h, i) => {\n    const w = want[i] as IpvsDestination;\n    return h.address === w.address && h.port === w.port && sameDestination(h, w);\n  });\n}', equivalent: true, why: SHORTCUT },
  { file: 'src/ipvs/delta.ts', mutator: 'ConditionalExpression', original: 'have.length !== want.length', replacement: 'true', equivalent: true, why: SHORTCUT },
  { file: 'src/ipvs/delta.ts', mutator: 'BlockStatement', original: '{\n    const w = want[i] as IpvsDestination;\n    return h.address === w.address && h.port === w.port && sameDestination(h, w);\n  }', equivalent: true, why: SHORTCUT },
  { file: 'src/ipvs/delta.ts', mutator: 'ConditionalExpression', original: 'h.address === w.address && h.port === w.port && sameDestination(h, w)', replacement: 'false', equivalent: true, why: SHORTCUT },
  { file: 'src/ipvs/equal.ts', mutator: 'ConditionalExpression', original: 'bByKey.size === b.length', replacement: 'true', equivalent: true, why: 'If b repeats a key, it holds fewer distinct keys than a (same length, none repeated), so a lookup of some key of a fails anyway.' },
  { file: 'src/ipvs/equal.ts', mutator: 'ConditionalExpression', original: '!map.has(k)', replacement: 'true', equivalent: true, why: 'indexBy would keep the last of a repeated key instead of the first: every caller has refused repeated keys first (uniqueKeys, sameKeyCount) or indexes a table parseIpvsSave built, which refuses them.' },
  { file: 'src/ipvs/options.ts', mutator: 'MethodExpression', original: 'line.trim()', equivalent: true, why: 'Empty tokens are dropped by the filter after the split.' },
  { file: 'src/ipvs/options.ts', mutator: 'Regex', original: '/[ \\t\\r]+/', equivalent: true, why: 'Empty tokens are dropped by the filter after the split.' },
  { file: 'src/ipvs/options.ts', mutator: 'OptionalChaining', original: 'options.get(slot)?.flag', equivalent: true, why: 'The slot comes from the keys of the same map.' },
  { file: 'src/ipvs/options.ts', mutator: 'StringLiteral', original: "''", context: "const [first = ''", equivalent: true, why: 'Unreachable: parseIpvsSave skips a line without tokens.' },
  { file: 'src/ipvs/options.ts', mutator: 'StringLiteral', original: "'--'", equivalent: false, why: 'Would read `-w=3` as -w 3: whether popt (ipvsadm) does so for short options was not checked on a real ipvsadm, so no test asserts either way.' },
  { file: 'src/ipvs/parse.ts', mutator: 'StringLiteral', original: "'IpvsParseError'", equivalent: false, why: "The error's name shows only in a stack trace, which lvsplay never prints; tests check its message." },
  { file: 'src/ipvs/parse.ts', mutator: 'ConditionalExpression', original: 'error instanceof IpvsSyntaxError', replacement: 'true', equivalent: true, why: 'No input makes the readers throw anything but IpvsSyntaxError; another error would be a bug, and wrapping it changes only its message.' },
  { file: 'src/ipvs/parse.ts', mutator: 'StringLiteral', original: "'destination'", equivalent: true, why: "Only `kind === 'service'` is tested; any other value means a real server." },
  { file: 'src/ipvs/parse.ts', mutator: 'OptionalChaining', original: "options.get('persistent')?.arg", equivalent: true, why: "Read only after options.has('persistent')." },
  { file: 'src/ipvs/parse.ts', mutator: 'OptionalChaining', original: "options.get('real-server')?.arg", equivalent: true, why: 'readLine refuses an -a line without -r.' },
  { file: 'src/ipvs/parse.ts', mutator: 'StringLiteral', original: "''", context: "get('real-server')", equivalent: true, why: 'Unreachable: readLine refuses an -a line without -r.' },
  { file: 'src/ipvs/parse.ts', mutator: 'StringLiteral', original: "''", context: "const { tag = '', arg = '' }", equivalent: true, why: 'Unreachable: readLine refuses a line without a service.' },
  { file: 'src/ipvs/parse.ts', mutator: 'ConditionalExpression', original: "'reason' in service", replacement: 'false', equivalent: true, why: "A real server of a foreign service is dropped by parseIpvsSave whatever readDestination makes of it." },
  { file: 'src/ipvs/parse.ts', mutator: 'StringLiteral', original: "'reason'", context: "'reason' in service", equivalent: true, why: "A real server of a foreign service is dropped by parseIpvsSave whatever readDestination makes of it." },
  { file: 'src/ipvs/save-order.ts', mutator: 'ArrowFunction', original: '() => 0', equivalent: true, why: '`undefined || x` is x, as `0 || x` is.' },
  { file: 'src/ipvs/values.ts', mutator: 'ConditionalExpression', original: 'CANONICAL_IPV4.test(text)', replacement: 'false', equivalent: true, why: 'A shortcut: parseIPv4 reads a canonical address to the same value, only slower.' },
  { file: 'src/ipvs/values.ts', mutator: 'ConditionalExpression', original: '!address.ok', replacement: 'true', equivalent: true, why: 'parseIPv4 accepts four decimal parts without leading zeros, up to 255: exactly what CANONICAL_IPV4 already took, so past it nothing is ok.' },
  { file: 'src/ipvs/values.ts', mutator: 'ArrayDeclaration', original: '[]', replacement: STRYKER_ARRAY, context: 'text.match(/:/g)', equivalent: true, why: 'match() gives null only for a text without a colon, and a list of one is still not more than one colon.' },
  { file: 'src/ipvs/values.ts', mutator: 'Regex', original: '/^\\[([^\\]]+)\\](?::(.*))?$/', replacement: '/\\[([^\\]]+)\\](?::(.*))?$/', equivalent: false, why: 'Only text before a bracket (`x[::1]:80`) tells: ipvsadm-save never writes one, and such a service is IPv6, foreign either way; no test.' },
  { file: 'src/ipvs/values.ts', mutator: 'Regex', original: '/^\\[([^\\]]+)\\](?::(.*))?$/', replacement: '/^\\[([^\\]]+)\\](?::(.*))?/', equivalent: false, why: 'Only text after the bracket that is not a port (`[::1]x`) tells; an IPv6 endpoint is foreign either way; no test.' },
  { file: 'src/ipvs/values.ts', mutator: 'EqualityOperator', original: 'colon < 0', replacement: 'colon <= 0', equivalent: false, why: 'Only an endpoint that starts with a colon (`:80`) tells, by the wording of its error; no test.' },
  { file: 'src/plan/ipvs-read-back.ts', mutator: 'ConditionalExpression', original: "c.op === 'add-service' || c.op === 'edit-service'", replacement: 'true', equivalent: true, why: "A real server's change carries only its service's id, never a persistence, so it passes the test either way." },
  { file: SCRIPT, mutator: 'ArrayDeclaration', original: '[]', replacement: STRYKER_ARRAY, context: 'ipvsChanges ?? []', equivalent: true, why: 'Unreachable: planHost always records ipvsChanges on an IPVS item.' },
  { file: SCRIPT, mutator: 'StringLiteral', original: "' '", context: 'systemctl start', equivalent: false, why: 'No test starts two units at once (the enable line, tested with two, joins the same way).' },
  { file: 'src/ipvs/options.ts', mutator: 'ConditionalExpression', original: 'arg === undefined', replacement: 'true', equivalent: false, why: 'A `--long=value` followed by another token would also take that token; no test has a long option with `=` before another option.' },
  { file: 'src/ipvs/options.ts', mutator: 'ConditionalExpression', original: 'arg !== undefined', replacement: 'true', equivalent: true, why: 'Sets `arg: undefined` instead of leaving it out: every reader sees undefined either way.' },
  { file: 'src/ipvs/parse.ts', mutator: 'StringLiteral', original: '`${tag} protocol`', equivalent: false, why: "Stale: the result was reused by Stryker's incremental mode, which does not see that the test 'foreign services kept apart' now asserts the reason `sctp protocol`; the next full run kills it." },
  { file: 'src/run/read-back.ts', mutator: 'ArrayDeclaration', original: '[]', replacement: STRYKER_ARRAY, context: 'ipvsChanges ?? []', equivalent: true, why: 'Unreachable: planHost always records ipvsChanges on an IPVS item.' },
  { file: 'src/run/read-back.ts', mutator: 'ConditionalExpression', original: "item.kind === 'ipvs'", replacement: 'true', equivalent: true, why: 'Other items have no ipvsChanges, so they add nothing either way.' },
];
