import type { HostConnection } from './connection.ts';
import type { ExecResult } from './exec.ts';

/** A script's result, or that the host's own `timeout` stopped it. */
export type ScriptResult = ({ readonly timedOut: false } & ExecResult) | { readonly timedOut: true };

/**
 * Runs `script` through `sh` on the host under `timeout`. sshd does not pass signals to a root session, so a
 * script that outlived a local time-out would go on running after the channel closed: the remote `timeout`
 * ends it (and what it started) itself; 124 and 137 are its exit codes for that.
 */
export async function runRemoteScript(connection: HostConnection, script: string, seconds: number): Promise<ScriptResult> {
  const result = await connection.exec(`timeout -k 5 ${seconds} sh -s`, script);
  return result.code === 124 || result.code === 137 ? { timedOut: true } : { timedOut: false, ...result };
}
