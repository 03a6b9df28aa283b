/**
 * Splits one ipvsadm line into its command and options, the way ipvsadm's popt table reads it (ipvsadm.c
 * `parse_options`): short and long spellings, `-p` with an optional value, each option at most once. It
 * knows every option an `-A` or `-a` line may carry, so that a line using one lvsplay does not model is
 * still read (and its service set aside as foreign) rather than mistaken for garbage.
 */

/** Which option a switch sets; ipvsadm rejects a line that sets one twice (`set_option`). */
export type Slot =
  | 'service'
  | 'ipv6'
  | 'scheduler'
  | 'persistent'
  | 'netmask'
  | 'pe'
  | 'ops'
  | 'sched-flags'
  | 'real-server'
  | 'forward'
  | 'weight'
  | 'u-threshold'
  | 'l-threshold'
  | 'tun-type'
  | 'tun-port'
  | 'tun-csum';

interface OptionSpec {
  readonly slot: Slot;
  /** What the switch itself says: `tcp` for -t, `route` for -g. */
  readonly tag?: string;
  readonly arg: 'none' | 'required' | 'optional';
}

export interface OptionValue {
  /** The switch as written, for messages. */
  readonly flag: string;
  readonly tag?: string;
  readonly arg?: string;
}

export type IpvsCommand = 'add-service' | 'add-server';

export interface IpvsLine {
  readonly command: IpvsCommand;
  readonly options: ReadonlyMap<Slot, OptionValue>;
}

export class IpvsSyntaxError extends Error {}

const spec = (slot: Slot, arg: OptionSpec['arg'], tag?: string): OptionSpec => ({ slot, arg, ...(tag && { tag }) });

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  '-t': spec('service', 'required', 'tcp'),
  '--tcp-service': spec('service', 'required', 'tcp'),
  '-u': spec('service', 'required', 'udp'),
  '--udp-service': spec('service', 'required', 'udp'),
  '--sctp-service': spec('service', 'required', 'sctp'),
  // What ipvsadm-save prints for a protocol it has no switch for; ipvsadm -R itself cannot read it back.
  '--xxx-service': spec('service', 'required', 'unknown'),
  '-f': spec('service', 'required', 'fwmark'),
  '--fwmark-service': spec('service', 'required', 'fwmark'),
  '-6': spec('ipv6', 'none'),
  '--ipv6': spec('ipv6', 'none'),
  '-s': spec('scheduler', 'required'),
  '--scheduler': spec('scheduler', 'required'),
  '-p': spec('persistent', 'optional'),
  '--persistent': spec('persistent', 'optional'),
  '-M': spec('netmask', 'required'),
  '--netmask': spec('netmask', 'required'),
  '--pe': spec('pe', 'required'),
  '-o': spec('ops', 'none'),
  '--ops': spec('ops', 'none'),
  '-b': spec('sched-flags', 'required'),
  '--sched-flags': spec('sched-flags', 'required'),
  '-r': spec('real-server', 'required'),
  '--real-server': spec('real-server', 'required'),
  '-g': spec('forward', 'none', 'route'),
  '--gatewaying': spec('forward', 'none', 'route'),
  '-m': spec('forward', 'none', 'masq'),
  '--masquerading': spec('forward', 'none', 'masq'),
  '-i': spec('forward', 'none', 'tunnel'),
  '--ipip': spec('forward', 'none', 'tunnel'),
  '-w': spec('weight', 'required'),
  '--weight': spec('weight', 'required'),
  '-x': spec('u-threshold', 'required'),
  '--u-threshold': spec('u-threshold', 'required'),
  '-y': spec('l-threshold', 'required'),
  '--l-threshold': spec('l-threshold', 'required'),
  '--tun-type': spec('tun-type', 'required'),
  '--tun-port': spec('tun-port', 'required'),
  // ipvsadm marks the three checksum switches mutually exclusive, so they share a slot.
  '--tun-nocsum': spec('tun-csum', 'none', 'nocsum'),
  '--tun-csum': spec('tun-csum', 'none', 'csum'),
  '--tun-remcsum': spec('tun-csum', 'none', 'remcsum'),
};

const COMMANDS: Readonly<Record<string, IpvsCommand>> = {
  '-A': 'add-service',
  '--add-service': 'add-service',
  '-a': 'add-server',
  '--add-server': 'add-server',
};

/** ipvsadm's other commands: valid ipvsadm, but never in `ipvsadm-save` output. */
const OTHER_COMMANDS = new Set([
  '-E',
  '--edit-service',
  '-D',
  '--delete-service',
  '-C',
  '--clear',
  '-R',
  '--restore',
  '-S',
  '--save',
  '-e',
  '--edit-server',
  '-d',
  '--delete-server',
  '-L',
  '-l',
  '--list',
  '-Z',
  '--zero',
  '--set',
  '--start-daemon',
  '--stop-daemon',
  '-h',
  '--help',
  '-v',
  '--version',
]);

/** Which options each command accepts, from ipvsadm.c's `commands_v_options` table (-6 goes with -f). */
const ALLOWED: Readonly<Record<IpvsCommand, ReadonlySet<Slot>>> = {
  'add-service': new Set<Slot>(['service', 'ipv6', 'scheduler', 'persistent', 'netmask', 'pe', 'ops', 'sched-flags']),
  'add-server': new Set<Slot>(['service', 'ipv6', 'real-server', 'forward', 'weight', 'u-threshold', 'l-threshold', 'tun-type', 'tun-port', 'tun-csum']),
};

const REQUIRED: Readonly<Record<IpvsCommand, readonly Slot[]>> = {
  'add-service': ['service'],
  'add-server': ['service', 'real-server'],
};

/** The line's tokens, as ipvsadm -R splits them (on blanks), without a leading `ipvsadm`. */
export function tokenize(line: string): string[] {
  const tokens = line
    .trim()
    .split(/[ \t\r]+/)
    .filter((t) => t !== '');
  return tokens[0] === 'ipvsadm' ? tokens.slice(1) : tokens;
}

export function readLine(tokens: readonly string[]): IpvsLine {
  const [first = '', ...rest] = tokens;
  const command = COMMANDS[first];
  if (!command) {
    throw new IpvsSyntaxError(OTHER_COMMANDS.has(first) ? `${first} is not a line ipvsadm-save writes (only -A and -a)` : `${first} is not an ipvsadm command`);
  }
  const options = readOptions(rest);
  for (const slot of options.keys()) {
    if (!ALLOWED[command].has(slot)) throw new IpvsSyntaxError(`${options.get(slot)?.flag} is not an option of ${first}`);
  }
  for (const slot of REQUIRED[command]) {
    if (!options.has(slot)) throw new IpvsSyntaxError(`${first} needs ${slot === 'service' ? 'a service (-t, -u or -f)' : '-r'}`);
  }
  return { command, options };
}

function readOptions(tokens: readonly string[]): Map<Slot, OptionValue> {
  const options = new Map<Slot, OptionValue>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    // popt also reads --long=value.
    const [flag, inline] = token.startsWith('--') && token.includes('=') ? splitOnce(token, '=') : [token, undefined];
    const option = OPTIONS[flag];
    if (!option) throw new IpvsSyntaxError(flag.startsWith('-') ? `unknown option ${flag}` : `unexpected argument ${flag}`);
    if (options.has(option.slot)) throw new IpvsSyntaxError(`${flag}: the ${option.slot} option is given twice`);
    let arg = inline;
    if (arg === undefined && option.arg !== 'none') {
      const next = tokens[i + 1];
      // popt takes -p's value only when one follows; a required value is taken whatever it looks like.
      if (next !== undefined && (option.arg === 'required' || !next.startsWith('-'))) {
        arg = next;
        i++;
      } else if (option.arg === 'required') {
        throw new IpvsSyntaxError(`${flag} needs a value`);
      }
    }
    if (arg !== undefined && option.arg === 'none') throw new IpvsSyntaxError(`${flag} takes no value`);
    options.set(option.slot, { flag, ...(option.tag && { tag: option.tag }), ...(arg !== undefined && { arg }) });
  }
  return options;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + 1)];
}
