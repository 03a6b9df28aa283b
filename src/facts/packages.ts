import { quote } from '../ssh/quote.ts';
import { FactError, type Fact } from './fact.ts';

/** The installers lvsplay knows: apt-get writes dpkg's database, dnf and yum rpm's. */
export const INSTALLERS = ['apt-get', 'dnf', 'yum'] as const;

export type Installer = (typeof INSTALLERS)[number];

/**
 * Which of the asked packages are installed, read from the host's package database, and the installer that
 * writes that database, if the host has one. `none`: neither dpkg-query nor rpm is there, so no package
 * could be checked.
 */
export type PackagesFact =
  | { readonly query: 'dpkg-query'; readonly installer: 'apt-get' | undefined; readonly installed: ReadonlySet<string> }
  | { readonly query: 'rpm'; readonly installer: 'dnf' | 'yum' | undefined; readonly installed: ReadonlySet<string> }
  | { readonly query: 'none' };

const QUERY = '@@query';
const INSTALLER = '@@installer';

/**
 * What is there decides, not /etc/os-release: ID and ID_LIKE name dozens of derivatives (raspbian, rocky,
 * ol, amzn, …) that a table would have to keep up with, and a slim image may say `ID=debian` yet have no
 * apt-get. The installer is the one that writes the database asked, so that what it installs is what the
 * read-back then finds (a Debian host with rpm on it still answers with dpkg-query and installs with apt-get).
 *
 * dpkg-query prints `install ok installed` (or `hold ok installed`) for an installed package, something
 * else for one removed or half-installed, and nothing (exit 1) for one it never knew; one line per
 * architecture for a multi-arch package. rpm -q exits 0 only for an installed one.
 */
export function packagesFact(names: readonly string[]): Fact<PackagesFact> {
  const has = (command: string) => `command -v ${command} >/dev/null 2>&1`;
  // Variables prefixed pkg_: the facts script is one shell, and another fact's must not be clobbered.
  return {
    name: 'packages',
    command: [
      `if ${has('dpkg-query')}; then pkg_query=dpkg-query; pkg_installer=none; if ${has('apt-get')}; then pkg_installer=apt-get; fi`,
      `elif ${has('rpm')}; then pkg_query=rpm; pkg_installer=none; if ${has('dnf')}; then pkg_installer=dnf; elif ${has('yum')}; then pkg_installer=yum; fi`,
      'else pkg_query=none; pkg_installer=none; fi',
      `echo "${QUERY} $pkg_query"; echo "${INSTALLER} $pkg_installer"`,
      `[ "$pkg_query" = none ] || for pkg in ${names.map(quote).join(' ')}; do`,
      '  case $pkg_query in',
      `    dpkg-query) case $(dpkg-query -W -f='\${Status}\\n' "$pkg" 2>/dev/null) in *' ok installed'*) pkg_state=installed ;; *) pkg_state=missing ;; esac ;;`,
      '    rpm) if rpm -q "$pkg" >/dev/null 2>&1; then pkg_state=installed; else pkg_state=missing; fi ;;',
      '  esac',
      '  echo "$pkg $pkg_state"',
      'done',
    ].join('\n'),
    parse: parsePackages,
  };
}

export function parsePackages(output: string): PackagesFact {
  const [queryLine = '', installerLine = '', ...packageLines] = output.split('\n').filter(Boolean);
  const query = field(queryLine, QUERY);
  const installer = field(installerLine, INSTALLER);
  if (query === 'none') {
    const unexpected = installer !== 'none' ? installerLine : packageLines[0];
    if (unexpected !== undefined) throw new FactError('packages', `unexpected line '${unexpected}'`);
    return { query };
  }
  if (query !== 'dpkg-query' && query !== 'rpm') throw new FactError('packages', `unexpected line '${queryLine}'`);
  const installed = new Set<string>();
  for (const line of packageLines) {
    const [name, state, ...rest] = line.split(' ');
    if (!name || rest.length > 0 || (state !== 'installed' && state !== 'missing')) throw new FactError('packages', `unexpected line '${line}'`);
    if (state === 'installed') installed.add(name);
  }
  return query === 'dpkg-query'
    ? { query, installer: installerOf(installerLine, installer, ['apt-get'] as const), installed }
    : { query, installer: installerOf(installerLine, installer, ['dnf', 'yum'] as const), installed };
}

/** The value of a `MARK value` line; a line without the mark is the fact's error. */
function field(line: string, mark: string): string {
  const [head, value, ...rest] = line.split(' ');
  if (head !== mark || !value || rest.length > 0) throw new FactError('packages', `unexpected line '${line}'`);
  return value;
}

/** One of the installers that write the database asked (`none`: undefined); any other is the fact's error. */
function installerOf<I extends Installer>(line: string, value: string, known: readonly I[]): I | undefined {
  if (value === 'none') return undefined;
  const found = known.find((installer) => installer === value);
  if (!found) throw new FactError('packages', `unexpected line '${line}'`);
  return found;
}
