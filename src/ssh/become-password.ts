/**
 * The sudo password of `--ask-become-pass` or LVSPLAY_BECOME_PASSWORD. It is only ever written to an exec's
 * stdin (see become.ts); everywhere else (a message, a log line, JSON, util.inspect, a template string) it
 * shows as HIDDEN, so that no slip of formatting can print it.
 */
import { inspect } from 'node:util';

const HIDDEN = '[become password]';

/** A password given where none can be used: exit 2, as a wrong command line. */
export class BecomePasswordError extends Error {
  override readonly name = 'BecomePasswordError';
}

export class BecomePassword {
  readonly #text: string;

  private constructor(text: string) {
    this.#text = text;
  }

  /** `source` names where it came from, for the message when it cannot be one. */
  static of(text: string, source: string): BecomePassword {
    if (text === '') throw new BecomePasswordError(`${source} is empty: give the sudo password, or leave it out for hosts whose sudo needs none`);
    // It travels as one line on the exec's stdin; sudo reads a password up to the end of a line.
    if (/[\n\r\0]/.test(text)) throw new BecomePasswordError(`${source} holds a line break or NUL: sudo reads a password as one line`);
    return new BecomePassword(text);
  }

  /** The password itself, for the one place that sends it. */
  reveal(): string {
    return this.#text;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [Symbol.toPrimitive](): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return HIDDEN;
  }
}
