// Takes a host back to what it was before lvsplay (or the equivalent Ansible play) converged it, so that
// every "first converge" repetition starts from the same state without rebooting the fleet. The script is
// derived from the host's desired state, item by item, so it cannot forget something a role adds; and the
// tier checks that the converge which follows changes every item on every host (which proves the undo
// complete). Sysctls go back to the values read from the freshly booted host.
import type { HostState } from '../../src/desired/state.ts';
import { shq } from './rootfs.ts';

export const BACKUP_ROOT = '/var/lib/lvsplay';

/** What a fresh host has for each of the state's sysctl keys: `cat /proc/sys/...` before the first run. */
export function freshSysctlScript(state: HostState): string {
  const keys = state.items.flatMap((i) => (i.kind === 'sysctl' ? [i.key] : []));
  return keys.map((key) => `printf '%s\\t%s\\n' ${shq(key)} "$(cat ${shq(procPath(key))})"`).join('\n');
}

export function parseFreshSysctls(output: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) values.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  return values;
}

export function undoScript(state: HostState, fresh: ReadonlyMap<string, string>): string {
  const lines: string[] = ['set -u'];
  const dirs = new Set<string>();
  // Units first: stopping lvsplay-vip@N runs its ExecStop, which takes the VIP off lo.
  for (const item of state.items) if (item.kind === 'unit') lines.push(`systemctl disable --now ${shq(item.name)} >/dev/null 2>&1 || true`);
  for (const item of state.items) {
    if (item.kind === 'address') lines.push(`ip address del ${shq(`${item.cidr.address}/${item.cidr.prefix}`)} dev ${shq(item.device)} 2>/dev/null || true`);
  }
  for (const item of state.items) {
    if (item.kind !== 'file') continue;
    lines.push(`rm -f ${shq(item.path)}`);
    dirs.add(item.path.slice(0, item.path.lastIndexOf('/')));
  }
  // Folders lvsplay's writes created (e.g. /etc/sysconfig/network-scripts), up to the first non-empty one.
  for (const dir of dirs) lines.push(`rmdir -p --ignore-fail-on-non-empty ${shq(dir)} 2>/dev/null || true`);
  lines.push(`rm -rf ${shq(BACKUP_ROOT)}`);
  lines.push('systemctl daemon-reload');
  for (const item of state.items) {
    if (item.kind !== 'sysctl') continue;
    const value = fresh.get(item.key);
    if (value === undefined) throw new Error(`host ${state.host.name}: no fresh value of ${item.key} to restore`);
    lines.push(`printf '%s\\n' ${shq(value)} > ${shq(procPath(item.key))}`);
  }
  return `${lines.join('\n')}\n`;
}

function procPath(key: string): string {
  return `/proc/sys/${key.replaceAll('.', '/')}`;
}
