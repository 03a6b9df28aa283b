/**
 * Why a script under `become` never ran, from what sudo (or the login shell, when sudo is missing) said:
 * one sentence naming the host and what to do about it.
 */
import type { ExecResult } from './exec.ts';

export class BecomeError extends Error {
  override readonly name = 'BecomeError';
}

/** sudo's own lines of `result` (those before the become mark) on `host`, turned into the operator's sentence. */
export function describeBecomeFailure(host: string, result: Pick<ExecResult, 'code'>, sudoSaid: string): string {
  const what = `host ${host}: become (sudo)`;
  const text = sudoSaid.trim();
  if (/a password is required/.test(text)) return `${what} needs a password: give it with --ask-become-pass or LVSPLAY_BECOME_PASSWORD`;
  const notInSudoers = /^(?:sudo: )?(\S+) is not in the sudoers file/m.exec(text);
  if (notInSudoers) return `${what}: ${notInSudoers[1]} is not in the sudoers file there, so it may run nothing as root: give it a rule in /etc/sudoers.d`;
  const notAllowed = /is not allowed to execute '(.*)' as (\S+)/.exec(text);
  if (notAllowed) {
    return `${what}: the user may not run '${notAllowed[1]}' as ${notAllowed[2]}: lvsplay runs each script as 'timeout ... sh -s' through sudo, so its sudoers rule must allow that (or ALL)`;
  }
  const attempts = /(\d+) incorrect password attempts?/.exec(text);
  if (attempts || /Sorry, try again/.test(text)) {
    return `${what}: the password was refused (sudo: ${attempts?.[0] ?? 'incorrect password'}); lvsplay tries it once only, so that a wrong password cannot lock the account`;
  }
  if (/(?:a terminal is required|must have a tty)/.test(text)) {
    return `${what} refuses to run without a terminal (sudoers' requiretty): turn requiretty off for this user (Defaults:USER !requiretty)`;
  }
  if (result.code === 127 && /\bsudo: (?:command )?not found/.test(text)) return `${what}: sudo is not installed there (or not on the login PATH)`;
  return `${what} failed (exit ${result.code})${text ? `: ${firstLines(text)}` : ', and said nothing'}`;
}

function firstLines(text: string): string {
  const lines = text.split('\n').slice(0, 3).join(' / ');
  return lines.length > 300 ? `${lines.slice(0, 297)}...` : lines;
}
