/**
 * A Match line's criteria, evaluated as OpenSSH's match_cfg_line does, except that nothing is ever
 * executed: `exec` (and the criteria of newer OpenSSH that lvsplay cannot judge) make the block not
 * apply, with a warning when they are what decides it.
 */
import { strdelim } from './lexer.ts';
import { matchHostname, matchPatternList } from './patterns.ts';

export interface MatchContext {
  /** HostName (%h expanded) as known so far, or the alias; the final hostname in the final pass. */
  readonly host: string;
  readonly alias: string;
  /** User as obtained so far, or the local user. */
  readonly remoteUser: string;
  readonly localUser: string;
  readonly finalPass: boolean;
}

export type MatchOutcome =
  | { readonly ok: false; readonly message: string }
  | {
      readonly ok: true;
      readonly matches: boolean;
      /** The line names `final`: ssh reads the files a second time. */
      readonly wantsFinalPass: boolean;
      /** Criteria lvsplay did not evaluate, when the others all matched (so they decided). */
      readonly undecided: readonly string[];
    };

const NEVER_EVALUATED = new Set(['exec', 'localnetwork', 'tagged', 'version', 'sessiontype', 'command']);

export function evaluateMatch(condition: string, context: MatchContext): MatchOutcome {
  let rest: string | undefined = condition;
  let result = true;
  let attributes = 0;
  let wantsFinalPass = false;
  const skipped: string[] = [];
  const outcome = (): MatchOutcome => ({ ok: true, matches: result && skipped.length === 0, wantsFinalPass, undecided: result ? skipped : [] });
  for (;;) {
    const next = strdelim(rest);
    rest = next.rest;
    const written = next.token;
    if (written === undefined || written === '' || written.startsWith('#')) break;
    const negate = written.startsWith('!');
    const attribute = (negate ? written.slice(1) : written).toLowerCase();
    if (attribute === 'all') {
      const after = strdelim(rest).token;
      if (attributes > 1 || (after !== undefined && after !== '' && !after.startsWith('#'))) return { ok: false, message: `'${written}' cannot be combined with other Match attributes` };
      if (result) result = !negate;
      return outcome();
    }
    attributes++;
    if (attribute === 'canonical' || attribute === 'final') {
      if (attribute === 'final') wantsFinalPass = true;
      if (context.finalPass === negate) result = false;
      continue;
    }
    const argument = strdelim(rest);
    rest = argument.rest;
    const pattern = argument.token;
    if (pattern === undefined || pattern === '' || pattern.startsWith('#')) return { ok: false, message: `Match ${written} needs an argument` };
    if (NEVER_EVALUATED.has(attribute)) {
      skipped.push(`${written} ${pattern}`);
      continue;
    }
    const matched = criterion(attribute, pattern, context);
    if (matched === undefined) return { ok: false, message: `unsupported Match attribute ${written}` };
    if (matched === negate) result = false;
  }
  if (attributes === 0) return { ok: false, message: 'Match needs one or more attributes' };
  return outcome();
}

function criterion(attribute: string, pattern: string, context: MatchContext): boolean | undefined {
  switch (attribute) {
    case 'host':
      return matchHostname(context.host, pattern);
    case 'originalhost':
      return matchHostname(context.alias, pattern);
    case 'user':
      return matchPatternList(context.remoteUser, pattern, false) === 'yes';
    case 'localuser':
      return matchPatternList(context.localUser, pattern, false) === 'yes';
    default:
      return undefined;
  }
}
