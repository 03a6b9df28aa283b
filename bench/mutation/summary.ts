/**
 * Writes bench/mutation/REPORT.md from the JSON report `npm run test:mutation` leaves in
 * bench/mutation/report/ (gitignored; npm runs it after `test:mutation`): the score per folder and per file as Stryker counts it, and every
 * mutant that survived or that no test ran, with the note from notes.ts where one says why it lives.
 *
 *   node --import jiti/register bench/mutation/summary.ts [report.json] [REPORT.md] [the command that ran Stryker]
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NOTES, type Note } from './notes.ts';

type Status = 'Killed' | 'Survived' | 'NoCoverage' | 'CompileError' | 'RuntimeError' | 'Timeout' | 'Ignored' | 'Pending';

/** The part of mutation-testing-report-schema's MutationTestResult this summary reads. */
interface Report {
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>;
}

interface Mutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: Status;
  readonly location: { readonly start: Position; readonly end: Position };
}

interface Position {
  readonly line: number;
  readonly column: number;
}

/** One mutant that lives, located and quoted, for the list. */
interface Alive {
  readonly file: string;
  readonly line: number;
  readonly mutator: string;
  readonly original: string;
  readonly replacement: string;
  readonly status: 'Survived' | 'NoCoverage';
  readonly note?: Note;
}

type Counts = Record<Status, number>;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['src/plan', 'src/items', 'src/apply', 'src/ipvs', 'src/run', 'src/inventory'];
/** The folders issue 15 holds to 80 %. */
/** The folders issue 15 holds to TARGET. */
const HELD = new Set(['src/plan', 'src/apply', 'src/ipvs']);
/** Since the engine's reshaping most of the plan lives here: held to the same bar, reported on its own line. */
const ALSO_HELD = 'src/items';
const TARGET = 80;

function emptyCounts(): Counts {
  return { Killed: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Timeout: 0, Ignored: 0, Pending: 0 };
}

/** Stryker's mutation score: detected (killed or timed out) over valid mutants; compile and runtime errors are not valid. */
function score(c: Counts): number {
  const valid = c.Killed + c.Timeout + c.Survived + c.NoCoverage;
  return valid === 0 ? 100 : (100 * (c.Killed + c.Timeout)) / valid;
}

/** The source text a mutant replaced (lines and columns 1-based, as the schema has them). */
function originalText(source: string, mutant: Mutant): string {
  const lines = source.split('\n');
  const { start, end } = mutant.location;
  if (start.line === end.line) return lines[start.line - 1]!.slice(start.column - 1, end.column - 1);
  return [lines[start.line - 1]!.slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1]!.slice(0, end.column - 1)].join('\n');
}

function noteFor(file: string, mutator: string, original: string, replacement: string, sourceLine: string): Note | undefined {
  return NOTES.find(
    (n) =>
      n.file === file &&
      n.mutator === mutator &&
      n.original === original &&
      (n.replacement === undefined || n.replacement === replacement) &&
      (n.context === undefined || sourceLine.includes(n.context)),
  );
}

/** Code for one table cell or list item: one line, at most `max` characters, backticks kept out. */
function code(text: string, max = 70): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return cut.includes('`') ? `\`\` ${cut} \`\`` : `\`${cut}\``;
}

function row(name: string, c: Counts): string {
  const valid = c.Killed + c.Timeout + c.Survived + c.NoCoverage;
  if (valid + c.CompileError + c.RuntimeError + c.Ignored === 0) return `| ${name} | not in this run | | | | | | | |`;
  return `| ${name} | ${valid} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} | ${c.CompileError + c.RuntimeError} | ${c.Ignored} | ${score(c).toFixed(2)} % |`;
}

const HEADER = ['| | valid mutants | killed | timeout | survived | no coverage | errors (not counted) | static, ignored (not counted) | score |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|'];

export function summarize(report: Report, runDate: Date, strykerVersion: string, command = 'npm run test:mutation'): string {
  const byFolder = new Map(FOLDERS.map((f) => [f, emptyCounts()]));
  const byFile = new Map<string, Counts>();
  const total = emptyCounts();
  const alive: Alive[] = [];
  for (const [path, file] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const name = relative(ROOT, join(ROOT, path));
    const folder = FOLDERS.find((f) => name.startsWith(`${f}/`));
    const counts = emptyCounts();
    for (const mutant of file.mutants) {
      counts[mutant.status]++;
      total[mutant.status]++;
      if (folder) byFolder.get(folder)![mutant.status]++;
      if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
        const original = originalText(file.source, mutant);
        const replacement = mutant.replacement ?? '';
        const line = mutant.location.start.line;
        const note = noteFor(name, mutant.mutatorName, original, replacement, file.source.split('\n')[line - 1] ?? '');
        alive.push({ file: name, line, mutator: mutant.mutatorName, original, replacement, status: mutant.status, note });
      }
    }
    byFile.set(name, counts);
  }
  const held = [...byFolder].filter(([f]) => HELD.has(f));
  const measured = (c: Counts) => c.Killed + c.Timeout + c.Survived + c.NoCoverage > 0;
  const met = held.every(([, c]) => measured(c) && score(c) >= TARGET);
  const items = byFolder.get(ALSO_HELD);
  const itemsLine =
    items && measured(items)
      ? `${ALSO_HELD}, where most of the plan has lived since the engine's reshaping, is held to the same bar: ${score(items).toFixed(2)} %, ${score(items) >= TARGET ? 'met' : 'NOT met'}.`
      : `${ALSO_HELD} was not in this run.`;
  const out = [
    '# Mutation score',
    '',
    `Generated by \`bench/mutation/summary.ts\` from the run of ${runDate.toISOString().slice(0, 10)}: \`${command}\`, StrykerJS ${strykerVersion}`,
    '(mocha runner on the unit tests listed in `stryker.config.json`, `perTest` coverage, no type checker). The HTML',
    'report, with every mutant, is left in `bench/mutation/report/` (not committed).',
    '',
    'Score = (killed + timeout) / valid mutants, as Stryker counts it; a mutant that crashes the runner is not valid',
    'and not counted. Static mutants (in code that runs once, when a module loads: constant tables, the apply script',
    'preamble) are ignored (`ignoreStatic`): each needs a fresh test process running the whole suite. The TypeScript',
    'checker is installed but off (`checkers: []`): it compiled for every mutant and made a run of these folders',
    'take hours here instead of 20 minutes; without it, a mutant the compiler would refuse runs anyway (jiti strips',
    'types), and counts as killed or survived like any other. Turn it on with `npm run test:mutation -- --checkers typescript`. Runs use',
    "Stryker's incremental mode (`bench/mutation/report/incremental.json`): a mutant whose code and covering tests",
    '(by name) did not change keeps its last result; `npm run test:mutation -- --force` runs them all.',
    `Issue 15 holds src/plan, src/apply and src/ipvs to ${TARGET} % each: ${met ? 'met' : 'NOT met'}. ${itemsLine}`,
    '',
    '## Per folder',
    '',
    ...HEADER,
    ...[...byFolder].map(([f, c]) => row(f, c)),
    row('**all**', total),
    '',
    '## Per file',
    '',
    ...HEADER,
    ...[...byFile].map(([f, c]) => row(f, c)),
    '',
    '## Mutants that live',
    '',
    'Each one that survived the tests or that no test runs, with why where it is known (`bench/mutation/notes.ts`).',
    '"Equivalent" means no test can tell the mutant from the code: it behaves the same for every input.',
  ];
  for (const folder of FOLDERS) {
    const here = alive.filter((a) => a.file.startsWith(`${folder}/`));
    out.push('', `### ${folder} (${here.length})`, '');
    if (here.length === 0) out.push('None.');
    for (const a of here) {
      const why = a.note ? ` ${a.note.equivalent ? '**Equivalent**: ' : ''}${a.note.why}` : '';
      out.push(`- ${a.file}:${a.line} ${a.mutator}${a.status === 'NoCoverage' ? ' (no coverage)' : ''}: ${code(a.original)} → ${code(a.replacement)}.${why}`);
    }
  }
  return `${out.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const input = process.argv[2] ?? join(ROOT, 'bench/mutation/report/mutation.json');
  const output = process.argv[3] ?? join(ROOT, 'bench/mutation/REPORT.md');
  const report = JSON.parse(readFileSync(input, 'utf8')) as Report;
  const version = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@stryker-mutator/core/package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(output, summarize(report, statSync(input).mtime, version, process.argv[4]));
  console.log(`wrote ${relative(process.cwd(), output)}`);
}
