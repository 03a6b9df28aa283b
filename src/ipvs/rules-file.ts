import { renderTemplate } from '../templates.ts';
import { serviceSwitch } from './flags.ts';
import { destinationSwitches, settingsSwitches } from './format.ts';
import { inSaveOrder } from './save-order.ts';
import { hasThreshold, type IpvsTable } from './table.ts';

/**
 * The rules file (/etc/sysconfig/ipvsadm): exactly what `ipvsadm-save -n` prints for this table once it is
 * live (its order, its switches), so that on a steady-state run the host can tell its live table is this file
 * by a hash alone; plus the real servers' thresholds, which ipvsadm-save does not print but `ipvsadm -R`
 * reads on an `-a` line, so that the boot unit restores them. `thresholds: false` gives ipvsadm-save's text.
 */
export function renderIpvsRules(table: IpvsTable, thresholds = true): string {
  const services = inSaveOrder(table).map((service) => ({
    id: serviceSwitch(service),
    settings: settingsSwitches(service),
    destinations: service.destinations.map((destination) => ({ switches: destinationSwitches(destination, thresholds) })),
  }));
  return renderTemplate('ipvsadm.hbs', { services });
}

/** Whether a real server of the table has a threshold: the rules file then differs from `ipvsadm-save -n`. */
export function hasThresholds(table: IpvsTable): boolean {
  return table.some((service) => service.destinations.some(hasThreshold));
}
