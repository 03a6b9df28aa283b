/**
 * `become`: a host reached as a non-root user runs lvsplay's scripts as root through sudo. Given in
 * `defaults` and per host (the host's own wins, `false` included); `--become` forces it for every host.
 */
import { type FieldReader, isRecord } from './fields.ts';
import { showWithType } from './show.ts';

export const BECOME_METHODS = ['sudo'] as const;
export type BecomeMethod = (typeof BECOME_METHODS)[number];

/** How a host's scripts reach root. Absent on a host: they run as the SSH user itself (root, usually). */
export interface Become {
  readonly method: BecomeMethod;
}

export const SUDO: Become = { method: 'sudo' };

/** As written: `true` or `{ method }` is a Become, `false` turns off a default's. */
export type BecomeSetting = Become | false;

const BECOME_FIELDS = ['method'];

/**
 * `become` of one subject (the defaults, a host): undefined when not given, null when given but refused
 * (the reader has recorded why).
 */
export function parseBecome(reader: FieldReader): BecomeSetting | null | undefined {
  const value = reader.raw('become');
  if (value === undefined) return undefined;
  if (value === true) return SUDO;
  if (value === false) return false;
  if (!isRecord(value)) return reader.problem('become', `must be true, false or { method: 'sudo' }, got ${showWithType(value)}`) ?? null;
  const unknown = Object.keys(value).filter((key) => !BECOME_FIELDS.includes(key));
  const child = reader.child('become', value);
  child.rejectUnknown(BECOME_FIELDS);
  const method = child.oneOf('method', BECOME_METHODS, 'sudo');
  return method === undefined || unknown.length > 0 ? null : { method };
}

/** The host's own setting over the default's: what the host runs its scripts as; null when either was refused. */
export function becomeOf(own: BecomeSetting | null | undefined, defaults: BecomeSetting | null | undefined): Become | null | undefined {
  const setting = own === undefined ? defaults : own;
  if (setting === null) return null;
  return setting === false || setting === undefined ? undefined : setting;
}
