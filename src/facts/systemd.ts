import { FactError, type Fact } from './fact.ts';

/** systemd's major version (252 on Debian 12): whether a new unit file needs a daemon-reload depends on it. */
export const systemdVersionFact: Fact<number | undefined> = {
  name: 'systemd',
  command: 'systemctl --version 2>/dev/null | head -n 1',
  parse: parseSystemdVersion,
};

/** The first line of `systemctl --version`; no output (no systemctl) is an unknown version. */
export function parseSystemdVersion(output: string): number | undefined {
  const line = output.trim();
  if (line === '') return undefined;
  const match = /^systemd (\d+)\b/.exec(line);
  if (!match) throw new FactError('systemd', `unexpected line '${line}'`);
  return Number(match[1]);
}
