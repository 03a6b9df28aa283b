import type { RoleName } from '../../src/inventory/model.ts';
import type { ItemSpec } from '../../src/desired/state.ts';
import { renderTemplate } from '../../src/templates.ts';

/** A role's kernel settings: one drop-in file for boot, and each value checked live. */
export function sysctlItems(role: RoleName, settings: Readonly<Record<string, string>>): ItemSpec[] {
  const file = `/etc/sysctl.d/90-lvsplay-${role}.conf`;
  const list = Object.entries(settings).map(([key, value]) => ({ key, value }));
  return [
    {
      kind: 'file',
      path: file,
      content: renderTemplate('sysctl.conf.hbs', { role, settings: list }),
      mode: 0o644,
      notify: [{ kind: 'sysctl-load', file }],
    },
    ...list.map(({ key, value }): ItemSpec => ({ kind: 'sysctl', key, value, file })),
  ];
}
