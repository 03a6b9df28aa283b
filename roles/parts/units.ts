import type { ItemSpec } from '../../src/desired/state.ts';

export const UNIT_DIR = '/etc/systemd/system';

/** Where `unitFile` writes the unit `name`. */
export function unitPath(name: string): string {
  return `${UNIT_DIR}/${name}`;
}

/** A unit file lvsplay writes; systemd must re-read it before an enable or start sees the change. */
export function unitFile(name: string, content: string): ItemSpec {
  return { kind: 'file', path: unitPath(name), content, mode: 0o644, notify: [{ kind: 'daemon-reload' }] };
}
