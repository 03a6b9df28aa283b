import type { StepDraft } from '../apply/step.ts';
import type { Handler } from '../desired/state.ts';
import { quote } from '../ssh/quote.ts';
import type { PlannedItem } from './planned.ts';

/** A handler's step; `made` are the changed items it is what makes (the sysctls a `sysctl -p` sets). */
export function handlerStep(handler: Handler, made: readonly PlannedItem[]): StepDraft {
  switch (handler.kind) {
    case 'daemon-reload':
      return { title: 'systemctl daemon-reload', items: made, body: 'systemctl daemon-reload' };
    case 'sysctl-load':
      return { title: `sysctl -p ${handler.file}`, items: made, body: `sysctl -p ${quote(handler.file)}` };
    case 'reload-keepalived':
      return { title: 'reload keepalived', items: made, body: RELOAD_KEEPALIVED };
  }
}

/** keepalived's `reload_file` (roles/parts/keepalived.ts writes it into global_defs). */
export const KEEPALIVED_RELOAD_FILE = '/run/lvsplay-keepalived.reload';

/**
 * A running keepalived reads its new configuration on SIGHUP (`systemctl reload`), after the signal's sender
 * has returned: the reload file it creates before and removes after reading tells when it is done. A
 * keepalived not running yet is started by its unit item, later in the script. One that runs a configuration
 * without lvsplay's reload_file (set up by hand before lvsplay) would never remove the file: it is restarted
 * instead, once.
 */
const RELOAD_KEEPALIVED = [
  'systemctl -q is-active keepalived.service || return 0',
  `if ! grep -qs '^ *reload_file ${KEEPALIVED_RELOAD_FILE}$' "$lvsplay_backup/etc/keepalived/keepalived.conf"; then systemctl restart keepalived.service; return; fi`,
  `printf 'lvsplay\n' > ${KEEPALIVED_RELOAD_FILE} && systemctl reload keepalived.service || return 1`,
  'lvsplay_waited=0',
  `while [ -e ${KEEPALIVED_RELOAD_FILE} ]; do`,
  '  [ "$lvsplay_waited" -lt 100 ] || { echo "keepalived did not finish reading its configuration within 10 s of its reload"; return 1; }',
  '  sleep 0.1; lvsplay_waited=$((lvsplay_waited + 1))',
  'done',
].join('\n');
