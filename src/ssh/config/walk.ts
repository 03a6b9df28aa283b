/**
 * One pass over the config files as ssh makes it: lines before any Host or Match apply to every host,
 * a Host or Match line decides whether the lines after it apply, and an Include reads its files in
 * place (sharing that state, which is restored after each file).
 */
import { isAbsolute } from 'node:path';
import { applyDirective, isUsedKeyword, type Obtained } from './directives.ts';
import { globPaths, type ReadResult, readConfigText } from './files.ts';
import { KNOWN_KEYWORDS } from './keywords.ts';
import { lexLine } from './lexer.ts';
import { evaluateMatch } from './match.ts';
import { formatOrigin, type Origin, type SshConfigFile } from './model.ts';
import { expandHostName } from './tokens.ts';
import { matchHostLine, matchPatternList } from './patterns.ts';

/** ssh's READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;

export interface PassInput {
  readonly alias: string;
  /** What Host lines match: the alias, then the final hostname in the final pass. */
  readonly host: string;
  readonly finalPass: boolean;
  /** The final hostname, for Match host in the final pass. */
  readonly finalHostName?: string;
  readonly localUser: string;
  readonly home: string;
  readonly uid: number;
}

/** What all passes share. Problems and warnings are sets: the second pass finds the same ones again. */
export interface PassOutput {
  readonly obtained: Obtained;
  readonly problems: Set<string>;
  readonly warnings: Set<string>;
  readonly filesRead: Set<string>;
  wantsFinalPass: boolean;
}

interface FileFlags {
  readonly scope: SshConfigFile['scope'];
  readonly checkPermissions: boolean;
  /** Inside an Include read while the including line did not apply: nothing in it applies. */
  readonly neverMatch: boolean;
}

interface Activity {
  active: boolean;
}

export class ConfigPass {
  constructor(
    private readonly input: PassInput,
    private readonly output: PassOutput,
    /** Each file is read once for all passes. */
    private readonly reads: Map<string, Promise<ReadResult>>,
  ) {}

  async run(files: readonly SshConfigFile[]): Promise<void> {
    for (const file of files) {
      const read = await this.read(file.path, file.checkPermissions);
      if (read.kind === 'missing' && file.required) this.output.problems.add(`cannot read ${file.path}: it does not exist`);
      else if (read.kind === 'problem') this.output.problems.add(read.message);
      else if (read.kind === 'text') await this.walk(file.path, read.text, { scope: file.scope, checkPermissions: file.checkPermissions, neverMatch: false }, { active: true }, 0);
    }
  }

  private read(path: string, checkPermissions: boolean): Promise<ReadResult> {
    const key = `${checkPermissions}:${path}`;
    if (!this.reads.has(key)) this.reads.set(key, readConfigText(path, checkPermissions, this.input.uid));
    return this.reads.get(key)!;
  }

  private async walk(path: string, text: string, flags: FileFlags, activity: Activity, depth: number): Promise<void> {
    this.output.filesRead.add(path);
    const lines = text.split('\n');
    for (const [index, line] of lines.entries()) {
      const origin: Origin = { kind: 'file', path, line: index + 1 };
      const problem = await this.line(line, origin, flags, activity, depth);
      if (problem !== undefined) this.output.problems.add(`${formatOrigin(origin)}: ${problem}`);
    }
  }

  private async line(text: string, origin: Origin, flags: FileFlags, activity: Activity, depth: number): Promise<string | undefined> {
    const lexed = lexLine(text);
    if (lexed.kind === 'empty') return undefined;
    if (lexed.kind === 'bad') return lexed.message;
    const { keyword, word, args, rest } = lexed;
    switch (keyword) {
      case 'host':
        if (args.some((arg) => arg === '')) return `${word}: empty argument`;
        activity.active = !flags.neverMatch && matchHostLine(this.input.host, args);
        return undefined;
      case 'match':
        return this.match(rest, origin, flags, activity, word);
      case 'include':
        return this.include(args, origin, flags, activity, depth, word);
    }
    if (!KNOWN_KEYWORDS.has(keyword)) {
      const ignored = this.output.obtained.ignoreUnknown;
      if (ignored === undefined || matchPatternList(keyword, ignored.value, true) !== 'yes') {
        this.output.warnings.add(`${formatOrigin(origin)}: unknown keyword "${word}" ignored (ssh refuses it unless IgnoreUnknown names it)`);
      }
      return undefined;
    }
    if (!isUsedKeyword(keyword)) return undefined;
    const problem = applyDirective(this.output.obtained, { keyword, args, rest, origin, active: activity.active });
    return problem === undefined ? undefined : `${word}: ${problem}`;
  }

  private match(condition: string, origin: Origin, flags: FileFlags, activity: Activity, word: string): string | undefined {
    const { obtained } = this.output;
    const input = this.input;
    let host = input.finalHostName ?? input.alias;
    if (!input.finalPass && obtained.hostName !== undefined) {
      const expanded = expandHostName(obtained.hostName.value, input.alias);
      host = expanded.ok ? expanded.value : host; // The HostName line's own problem is reported from it.
    }
    const outcome = evaluateMatch(condition, {
      host,
      alias: input.alias,
      remoteUser: obtained.user?.value ?? input.localUser,
      localUser: input.localUser,
      finalPass: input.finalPass,
    });
    if (!outcome.ok) {
      activity.active = false;
      return `${word}: ${outcome.message}`;
    }
    if (outcome.wantsFinalPass) this.output.wantsFinalPass = true;
    activity.active = !flags.neverMatch && outcome.matches;
    if (!flags.neverMatch && outcome.undecided.length > 0) {
      this.output.warnings.add(`${formatOrigin(origin)}: Match ${outcome.undecided.join(', ')}: lvsplay never runs or evaluates this; the block is treated as not matching`);
    }
    return undefined;
  }

  private async include(args: readonly string[], origin: Origin, flags: FileFlags, activity: Activity, depth: number, word: string): Promise<string | undefined> {
    for (const arg of args) {
      if (arg === '') return `${word}: empty argument`;
      if (arg.startsWith('~') && flags.scope === 'system') return `${word}: bad include path ${arg} (~ is not allowed in a system config file)`;
      // As ssh: a relative path is under ~/.ssh for user files, /etc/ssh for system ones.
      const anchored = isAbsolute(arg) || arg.startsWith('~') ? arg : `${flags.scope === 'user' ? '~/.ssh' : '/etc/ssh'}/${arg}`;
      const pattern = this.expandIncludeTilde(anchored);
      if (pattern === undefined) return `${word}: ${arg}: lvsplay expands ~ only for the local user (${this.input.localUser})`;
      const wasActive = activity.active;
      for (const path of await globPaths(pattern)) {
        if (depth + 1 > MAX_INCLUDE_DEPTH) return `${word}: more than ${MAX_INCLUDE_DEPTH} nested Includes (does a file include itself?)`;
        const read = await this.read(path, true);
        if (read.kind === 'problem') this.output.problems.add(`${formatOrigin(origin)}: ${word}: ${read.message}`);
        else if (read.kind === 'text') await this.walk(path, read.text, { ...flags, checkPermissions: true, neverMatch: flags.neverMatch || !wasActive }, activity, depth + 1);
        // A Host or Match inside the included file does not change what applies after the Include.
        activity.active = wasActive;
      }
    }
    return undefined;
  }

  /** glob's GLOB_TILDE: `~` and `~/…` are the home folder; `~user` only for the local user. */
  private expandIncludeTilde(pattern: string): string | undefined {
    if (!pattern.startsWith('~')) return pattern;
    const slash = pattern.indexOf('/');
    const user = pattern.slice(1, slash < 0 ? undefined : slash);
    if (user !== '' && user !== this.input.localUser) return undefined;
    return this.input.home + (slash < 0 ? '' : pattern.slice(slash));
  }
}
