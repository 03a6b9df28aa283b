import type { DesiredItem } from '../desired/state.ts';
import { formatCidr } from '../net/ipv4.ts';

/** An item as the report names it, e.g. `file /etc/sysconfig/ipvsadm`, `sysctl net.ipv4.ip_forward`. */
export function describeItem(item: DesiredItem): string {
  switch (item.kind) {
    case 'file':
      return `file ${item.path}`;
    case 'module':
      return `kernel module ${item.name} loaded`;
    case 'sysctl':
      return `sysctl ${item.key} = ${item.value}`;
    case 'address':
      return `address ${formatCidr(item.cidr)} on ${item.label ?? item.device}`;
    case 'unit':
      return `unit ${item.name} ${item.startNow ? 'enabled and active' : 'enabled'}`;
    case 'ipvs':
      return `IPVS table (${item.table.length} service${item.table.length === 1 ? '' : 's'})`;
    case 'default-route':
      return `default route via ${item.via}`;
  }
}
