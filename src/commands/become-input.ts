/**
 * The command line's side of `become`: `--become`, and the sudo password from `--ask-become-pass` (asked on
 * the terminal, never echoed) or, for CI, the LVSPLAY_BECOME_PASSWORD environment variable.
 */
import { openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import { BecomePassword, BecomePasswordError } from '../ssh/become-password.ts';
import type { BecomeOptions } from '../ssh/become.ts';

export const BECOME_PASSWORD_VARIABLE = 'LVSPLAY_BECOME_PASSWORD';

export interface BecomeFlags {
  readonly become: boolean;
  readonly askBecomePass: boolean;
}

/** `--ask-become-pass` asks even when the variable is set: the flag is the later, more explicit word. */
export async function becomeOptionsFrom(flags: BecomeFlags, env: NodeJS.ProcessEnv): Promise<BecomeOptions> {
  const given = env[BECOME_PASSWORD_VARIABLE];
  const password = flags.askBecomePass
    ? BecomePassword.of(await askHidden('BECOME password: '), 'the password typed')
    : given === undefined
      ? undefined
      : BecomePassword.of(given, BECOME_PASSWORD_VARIABLE);
  return { force: flags.become, ...(password && { password }) };
}

const ENTER = new Set(['\r', '\n']);
const ERASE = new Set(['\x7f', '\b']);
const KILL_LINE = '\x15';
const INTERRUPT = '\x03';
const END_OF_FILE = '\x04';

/**
 * A line typed on the controlling terminal (/dev/tty, as sudo and ssh ask: stdin may be a pipe), with echo
 * off (raw mode), the prompt written there too. No terminal: a usage error.
 */
function askHidden(prompt: string): Promise<string> {
  let input: ReadStream;
  let output: WriteStream;
  try {
    input = new ReadStream(openSync('/dev/tty', 'r'));
    output = new WriteStream(openSync('/dev/tty', 'w'));
  } catch {
    throw new BecomePasswordError(`--ask-become-pass asks on a terminal, and this process has none: give the password in ${BECOME_PASSWORD_VARIABLE} instead`);
  }
  input.setRawMode(true);
  output.write(prompt);
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const finish = (settle: () => void): void => {
      input.off('data', onData);
      input.setRawMode(false);
      output.end('\n');
      input.destroy();
      settle();
    };
    const onData = (chunk: Buffer): void => {
      for (const character of chunk.toString('utf8')) {
        if (ENTER.has(character)) {
          finish(() => resolve(typed));
          return;
        }
        if (character === INTERRUPT || (character === END_OF_FILE && typed === '')) {
          finish(() => reject(new BecomePasswordError('no become password: the prompt was interrupted')));
          return;
        }
        if (ERASE.has(character)) typed = [...typed].slice(0, -1).join('');
        else if (character === KILL_LINE) typed = '';
        else if (character >= ' ') typed += character;
      }
    };
    input.on('data', onData);
  });
}
