import type { Fact } from './fact.ts';

export interface OsRelease {
  readonly id: string;
  readonly prettyName: string;
}

export const osReleaseFact: Fact<OsRelease> = {
  name: 'os-release',
  command: 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release',
  parse: parseOsRelease,
};

export function parseOsRelease(output: string): OsRelease {
  const fields = new Map(
    output
      .split('\n')
      .map((line) => /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[3]!]),
  );
  return { id: fields.get('ID') ?? 'unknown', prettyName: fields.get('PRETTY_NAME') ?? fields.get('NAME') ?? 'unknown' };
}
