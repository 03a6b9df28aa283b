/** A config file that cannot be read or that OpenSSH would refuse, with every problem found. */
export class SshConfigError extends Error {
  override readonly name = 'SshConfigError';

  constructor(
    readonly alias: string,
    /** Each names its file and line: `/home/me/.ssh/config:4: Port: "x" is not a port number`. */
    readonly problems: readonly string[],
  ) {
    super(`cannot use the ssh config for host ${alias}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
}
