/**
 * A secret typed on the controlling terminal (/dev/tty, as sudo and ssh ask: stdin may be a pipe), with echo
 * off (raw mode), the prompt written there too: the become password, a key's passphrase.
 */
import { openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';

/** This process has no controlling terminal to ask on. */
export class NoTerminal extends Error {}

/** Ctrl-C, or Ctrl-D on an empty line, at the prompt. */
export class PromptInterrupted extends Error {}

const ENTER = new Set(['\r', '\n']);
const ERASE = new Set(['\x7f', '\b']);
const KILL_LINE = '\x15';
const INTERRUPT = '\x03';
const END_OF_FILE = '\x04';

/** The line typed after `prompt`, never echoed. Throws NoTerminal or PromptInterrupted. */
export function askHidden(prompt: string): Promise<string> {
  let input: ReadStream;
  let output: WriteStream;
  try {
    input = new ReadStream(openSync('/dev/tty', 'r'));
    output = new WriteStream(openSync('/dev/tty', 'w'));
  } catch {
    throw new NoTerminal('no terminal to ask on');
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
          finish(() => reject(new PromptInterrupted('the prompt was interrupted')));
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
