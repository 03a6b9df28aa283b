import { gunzipSync } from 'node:zlib';
import { FactError } from './fact.ts';

const FAILED = '@@command-failed';

/**
 * `command` with its status kept inside its stdout: a failure then says so in the stream (which is piped on,
 * gzipped) rather than passing for empty output.
 */
export function reportingFailure(command: string): string {
  return `{ ${command} || echo "${FAILED} $?"; }`;
}

/** What `reportingFailure(command)` printed, checked: its failure is an error of `fact`. */
export function succeeded(fact: string, command: string, output: string): string {
  const failed = new RegExp(`^${FAILED} (\\d+)$`, 'm').exec(output);
  if (failed) throw new FactError(fact, `${command} failed (exit ${failed[1]}): ${output.slice(0, failed.index).trim() || 'no output'}`);
  return output;
}

/** Text the host sent through `gzip -1 | base64`; a stream cut short is an error of `fact`. */
export function gunzipBase64(fact: string, base64: string, what: string): string {
  try {
    return gunzipSync(Buffer.from(base64, 'base64')).toString('utf8');
  } catch (error) {
    throw new FactError(fact, `${what} did not arrive whole (${(error as Error).message})`);
  }
}

/**
 * Shell lines that run `command` once and keep its stdout in `$variable` byte for byte (a facts script writes
 * no file): the dot keeps the trailing newlines that `$( )` would strip.
 */
export function captured(variable: string, command: string): string[] {
  return [`${variable}=$(${command}; echo .)`, `${variable}=\${${variable}%.}`];
}

/** A shell condition: the bytes `captured` kept in `$variable` hash to `sha256` (hex, as sha256sum prints it). */
export function hashesTo(variable: string, sha256: string): string {
  return `[ "$(printf %s "$${variable}" | sha256sum)" = '${sha256}  -' ]`;
}
