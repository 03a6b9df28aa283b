import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import ts from 'typescript';
import { PACKAGE_ENTRY } from './load.ts';

const PACKAGE_DIR = dirname(dirname(PACKAGE_ENTRY));

/**
 * The folder holding @types/node, found as Node finds lvsplay's own dependencies: npm hoists it out of
 * lvsplay's folder into the project that installed lvsplay, so no path relative to lvsplay is right.
 */
const NODE_TYPES_ROOT = dirname(dirname(createRequire(import.meta.url).resolve('@types/node/package.json')));

/**
 * Type-checks an inventory file as an editor would, so that `validate` reports `file:line:col` for a
 * misspelt field or a string where a number belongs, before anything runs it.
 */
export function typecheckInventory(file: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    typeRoots: [NODE_TYPES_ROOT],
    paths: { lvsplay: [PACKAGE_ENTRY] },
  };
  const program = ts.createProgram([file], options);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => !d.file?.fileName.startsWith(`${PACKAGE_DIR}/src/`))
    .map(formatDiagnostic);
}

function formatDiagnostic(diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
  if (!diagnostic.file || diagnostic.start === undefined) return `error TS${diagnostic.code}: ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${diagnostic.file.fileName}:${line + 1}:${character + 1}: error TS${diagnostic.code}: ${message}`;
}
