/**
 * How a remote script runs under `become` (sudo), in the one exec the script has anyway: the command
 * line and the stdin of that exec.
 *
 * Without a password: `sudo -n -- COMMAND`, which fails at once, never prompts, when sudo wants one.
 *
 * With a password, it travels as the first line of the exec's stdin, before the script, and nowhere else:
 * 1. A user-owned `sh` reads that line into a shell variable (`read` takes one line from a pipe, byte by
 *    byte, leaving the script for the command) and hands it on through a pipe (`printf`, a builtin: no
 *    process of its own, no argv).
 * 2. A second user-owned `sh` keeps that pipe as its fd 3 and runs `sudo -A` with SUDO_ASKPASS=/bin/cat and
 *    the "prompt" /proc/<its pid>/fd/3: sudo runs `cat /proc/<pid>/fd/3` as the user, which reads the
 *    password from the pipe. sudo closes every fd above 2 before it runs an askpass helper, hence /proc.
 * 3. The pipe holds the password once: a wrong one makes sudo run the helper again, which reads the end of
 *    the pipe, and sudo stops there after one attempt (no retries that could lock the account).
 * The command (as root) gets stdin back, the script after the password line. No command line, no
 * environment and no file holds the password; `-k` keeps sudo from recording a credential for later.
 */
import { SUDO, type Become } from '../inventory/become.ts';
import type { BecomePassword } from './become-password.ts';
import { quote } from './quote.ts';

/** A host's `become` for one run, with the password when the operator gave one. */
export interface Elevation extends Become {
  readonly password?: BecomePassword;
}

/** The command line's side of become: `--become` for every host, and the password if one was given. */
export interface BecomeOptions {
  readonly force: boolean;
  readonly password?: BecomePassword;
}

export const NO_BECOME_OPTIONS: BecomeOptions = { force: false };

/** How a host's scripts run: its inventory `become` (or sudo, with --become), or undefined for as the SSH user. */
export function elevationOf(become: Become | undefined, options: BecomeOptions): Elevation | undefined {
  const chosen = become ?? (options.force ? SUDO : undefined);
  if (!chosen) return undefined;
  return options.password ? { ...chosen, password: options.password } : chosen;
}

/**
 * Printed (to stderr) by the script's first line, once it runs as root: what sudo said before it is
 * sudo's, and without it the script never ran.
 */
export const BECOME_MARK = '@@lvsplay-become-root';

/** What goes before a script's first line, on the same line, so that the shell's line numbers stay the script's. */
export const BECOME_PREFIX = `printf '%s\\n' ${BECOME_MARK} >&2; `;

export interface Invocation {
  readonly command: string;
  readonly stdin: string;
}

/** `command` (which reads `script` on stdin) run as root through sudo, as `elevation` says. */
export function becomeInvocation(command: string, script: string, elevation: Elevation): Invocation {
  const body = `${BECOME_PREFIX}${script}`;
  if (!elevation.password) return { command: `sudo -n -- ${command}`, stdin: body };
  // `exit $?` keeps a shell that would exec its last command from handing its pid (fd 3) to sudo.
  const asker = `exec 3<&0 <&4 4<&-; SUDO_ASKPASS=/bin/cat sudo -A -k -p /proc/$$/fd/3 -- ${command}; exit $?`;
  const reader = `exec 4<&0; IFS= read -r p; printf '%s\\n' "$p" | /bin/sh -c ${quote(asker)}`;
  return { command: `/bin/sh -c ${quote(reader)}`, stdin: `${elevation.password.reveal()}\n${body}` };
}

/** Stderr split at the mark: sudo's words before it, the script's after; `script` undefined when the mark is missing. */
export function splitAtMark(stderr: string): { readonly sudo: string; readonly script?: string } {
  const at = stderr.indexOf(`${BECOME_MARK}\n`);
  if (at === -1) return { sudo: stderr };
  return { sudo: stderr.slice(0, at), script: stderr.slice(at + BECOME_MARK.length + 1) };
}
