/**
 * The command line's side of `become`: `--become`, and the sudo password from `--ask-become-pass` (asked on
 * the terminal, never echoed) or, for CI, the LVSPLAY_BECOME_PASSWORD environment variable.
 */
import { BecomePassword, BecomePasswordError } from '../ssh/become-password.ts';
import type { BecomeOptions } from '../ssh/become.ts';
import { askHidden, NoTerminal, PromptInterrupted } from './terminal.ts';

export const BECOME_PASSWORD_VARIABLE = 'LVSPLAY_BECOME_PASSWORD';

export interface BecomeFlags {
  readonly become: boolean;
  readonly askBecomePass: boolean;
}

/** `--ask-become-pass` asks even when the variable is set: the flag is the later, more explicit word. */
export async function becomeOptionsFrom(flags: BecomeFlags, env: NodeJS.ProcessEnv): Promise<BecomeOptions> {
  const given = env[BECOME_PASSWORD_VARIABLE];
  const password = flags.askBecomePass ? BecomePassword.of(await askBecomePassword(), 'the password typed') : given === undefined ? undefined : BecomePassword.of(given, BECOME_PASSWORD_VARIABLE);
  return { force: flags.become, ...(password && { password }) };
}

async function askBecomePassword(): Promise<string> {
  try {
    return await askHidden('BECOME password: ');
  } catch (error) {
    if (error instanceof NoTerminal) throw new BecomePasswordError(`--ask-become-pass asks on a terminal, and this process has none: give the password in ${BECOME_PASSWORD_VARIABLE} instead`);
    if (error instanceof PromptInterrupted) throw new BecomePasswordError('no become password: the prompt was interrupted');
    throw error;
  }
}
