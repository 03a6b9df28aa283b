import type { Host } from '../../src/inventory/model.ts';
import type { ItemSpec } from '../../src/desired/state.ts';
import { setTimeoutsCommand, TIMEOUT_NAMES } from '../../src/facts/ipvs-timeouts.ts';
import { ipvsSysctlsOf } from '../../src/inventory/ipvs-tuning.ts';
import { renderTemplate } from '../../src/templates.ts';
import { IPVS_SETTINGS } from './ipvs.ts';
import { unitFile, unitPath } from './units.ts';

export const TIMEOUTS_UNIT = 'lvsplay-ipvs-timeouts.service';

/** A director's IPVS sysctls: lvsplay's own settings, over which the host's `ipvs` block may say otherwise. */
export function ipvsSysctls(host: Host): Record<string, string> {
  return { ...IPVS_SETTINGS, ...ipvsSysctlsOf(host.ipvs) };
}

/**
 * The timeouts the host's `ipvs` block names, each live now, and a unit that sets them again at boot; none
 * of it without the block. The unit is only enabled: the items themselves set the live values.
 */
export function ipvsTimeoutItems(host: Host): ItemSpec[] {
  const timeouts = host.ipvs?.timeouts;
  if (!timeouts) return [];
  const path = unitPath(TIMEOUTS_UNIT);
  return [
    // The very command the item's step runs on a live director (0 for a timeout the block leaves out).
    unitFile(TIMEOUTS_UNIT, renderTemplate('lvsplay-ipvs-timeouts.service.hbs', { command: setTimeoutsCommand(timeouts) })),
    { kind: 'unit', name: TIMEOUTS_UNIT, startNow: false },
    ...TIMEOUT_NAMES.flatMap((name): ItemSpec[] => {
      const seconds = timeouts[name];
      return seconds === undefined ? [] : [{ kind: 'ipvs-timeout', name, seconds, unitFile: path }];
    }),
  ];
}
