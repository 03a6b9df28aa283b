import { describeBecomeFailure, BecomeError } from './become-failure.ts';
import { becomeInvocation, splitAtMark, type Elevation } from './become.ts';
import type { HostConnection } from './connection.ts';
import type { ExecResult } from './exec.ts';

export type { Elevation };

/** A script's result, or that the host's own `timeout` stopped it. */
export type ScriptResult = ({ readonly timedOut: false } & ExecResult) | { readonly timedOut: true };

/**
 * Before every script, on its first line (the shell's line numbers stay the script's): a non-root login's
 * PATH (and sudo's secure_path, on some systems) lacks the sbin folders, where ip, sysctl and ipvsadm are.
 */
export const PATH_PREFIX = 'PATH=/usr/local/sbin:/usr/sbin:/sbin:$PATH; export PATH; ';

/**
 * Runs `script` through `sh` on the host under `timeout`, as root through sudo when `elevation` is given
 * (one exec either way; see become.ts). sshd does not pass signals to a root session, so a script that
 * outlived a local time-out would go on running after the channel closed: the remote `timeout` ends it (and
 * what it started) itself; 124 and 137 are its exit codes for that. Throws BecomeError when sudo refused.
 */
export async function runRemoteScript(connection: HostConnection, script: string, seconds: number, elevation?: Elevation): Promise<ScriptResult> {
  const command = `timeout -k 5 ${seconds} sh -s`;
  const body = `${PATH_PREFIX}${script}`;
  const result = elevation ? await runBecome(connection, command, body, elevation) : await connection.exec(command, body);
  return result.code === 124 || result.code === 137 ? { timedOut: true } : { timedOut: false, ...result };
}

/** The script's result with sudo's words taken out of its stderr; a BecomeError when it never ran. */
async function runBecome(connection: HostConnection, command: string, body: string, elevation: Elevation): Promise<ExecResult> {
  const invocation = becomeInvocation(command, body, elevation);
  const result = await connection.exec(invocation.command, invocation.stdin);
  const { sudo, script } = splitAtMark(result.stderr);
  if (script !== undefined) return { ...result, stderr: script };
  throw new BecomeError(describeBecomeFailure(connection.host, result, sudo));
}
