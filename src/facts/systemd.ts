import { quote } from '../ssh/quote.ts';
import { FactError, type Fact } from './fact.ts';

/**
 * systemd's major version (252 on Debian 12): whether a new unit file needs a daemon-reload depends on it,
 * so it is asked (a systemctl process) only when one of `unitFiles` is missing.
 */
export function systemdVersionFact(unitFiles: readonly string[]): Fact<number | undefined> {
  const missing = unitFiles.map((path) => `[ ! -e ${quote(path)} ]`).join(' || ');
  return {
    name: 'systemd',
    command: unitFiles.length === 0 ? ':' : `if ${missing}; then systemctl --version 2>/dev/null | head -n 1; fi`,
    parse: parseSystemdVersion,
  };
}

/** The first line of `systemctl --version`; no output (no systemctl) is an unknown version. */
export function parseSystemdVersion(output: string): number | undefined {
  const line = output.trim();
  if (line === '') return undefined;
  const match = /^systemd (\d+)\b/.exec(line);
  if (!match) throw new FactError('systemd', `unexpected line '${line}'`);
  return Number(match[1]);
}
