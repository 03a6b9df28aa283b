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
  }
}
