/**
 * A fact is a shell command and a parser of its output, as pyinfra has them: the command runs on the host
 * inside one facts script (one round trip for all), the parser is pure and tested on recorded output.
 */
export interface Fact<T> {
  readonly name: string;
  readonly command: string;
  parse(output: string): T;
}

export class FactError extends Error {
  constructor(
    readonly fact: string,
    reason: string,
  ) {
    super(`fact ${fact}: ${reason}`);
    this.name = 'FactError';
  }
}
