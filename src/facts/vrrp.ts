import { parseAddresses, type LiveAddress } from './addresses.ts';
import { FactError } from './fact.ts';
import { reportingFailure, succeeded } from './packed.ts';

/**
 * What a director of a pair shows of its VRRP side: whether keepalived runs, and its addresses (a MASTER holds
 * its instance's VIPs on its interface, a BACKUP none).
 */
export interface VrrpFacts {
  readonly keepalived: KeepalivedState;
  readonly addresses: readonly LiveAddress[];
}

/** The VRRP side as read, or why it could not be. */
export type VrrpReading = VrrpFacts | { readonly unavailable: string };

/** `active`: keepalived runs (reloading or not); `not-active`: stopped, failed, or on its way up or down. */
export type KeepalivedState = 'active' | 'not-active';

const IS_ACTIVE = 'systemctl is-active keepalived.service';
const ADDRESSES = 'ip -o -4 address show';

// systemd's unit_active_state_table (src/basic/unit-def.c): every word `is-active` prints for a unit, an
// unknown one included (`inactive`). `refreshing` (systemd 254) and `reloading` are a running unit's.
const ACTIVE_STATES: Readonly<Record<string, KeepalivedState>> = {
  active: 'active',
  reloading: 'active',
  refreshing: 'active',
  inactive: 'not-active',
  failed: 'not-active',
  activating: 'not-active',
  deactivating: 'not-active',
  maintenance: 'not-active',
};

const KEEPALIVED_LINE = 'keepalived';

/**
 * Shell lines, read-only: `is-active`'s first line after a word of our own (its stderr too: without systemd it
 * prints nothing on stdout and says why on stderr), then the addresses, their failure kept in the output.
 */
export function vrrpCommands(): string[] {
  return [`printf '${KEEPALIVED_LINE} %s\\n' "$(${IS_ACTIVE} 2>&1 | head -n 1)"`, reportingFailure(`${ADDRESSES} 2>&1`)];
}

/**
 * What `vrrpCommands` printed. systemctl that cannot answer (no systemd, no systemctl) and a failed `ip` leave
 * the VRRP state unknown, not wrong: the rest of the director's status still stands.
 */
export function parseVrrp(output: string): VrrpReading {
  const newline = output.indexOf('\n');
  const first = newline < 0 ? output : output.slice(0, newline);
  if (!first.startsWith(`${KEEPALIVED_LINE} `)) throw new FactError('vrrp', `expected '${KEEPALIVED_LINE} <state>' first, got '${first}'`);
  const answer = first.slice(KEEPALIVED_LINE.length + 1).trim();
  const keepalived = Object.hasOwn(ACTIVE_STATES, answer) ? ACTIVE_STATES[answer] : undefined;
  if (!keepalived) return { unavailable: `${IS_ACTIVE} ${answer === '' ? 'printed nothing' : `said '${answer}'`}` };
  const rest = newline < 0 ? '' : output.slice(newline + 1);
  try {
    succeeded('vrrp', ADDRESSES, rest);
  } catch (error) {
    return { unavailable: (error as Error).message.replace(/^fact vrrp: /, '') };
  }
  return { keepalived, addresses: parseAddresses(rest) };
}
