// An item as the report names it (`file /etc/sysconfig/ipvsadm`, `sysctl net.ipv4.ip_forward = 1`): each kind says.
export { describeItem } from '../items/registry.ts';
