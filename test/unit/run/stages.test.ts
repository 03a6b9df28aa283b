// The roll-out order: routers, then real servers, then directors. A director that sent traffic before its real
// servers answer, or clients routed before the router is ready, is an outage.
import { strict as assert } from 'node:assert';
import { ROLE_NAMES, type RoleName } from '../../../src/inventory/input.ts';
import { STAGES, stageOf } from '../../../src/run/stages.ts';

/** Each role, in the order its hosts must go, with the stage it goes in. */
const ORDER: readonly (readonly [RoleName, string])[] = [
  ['router', 'routers'],
  ['realserver-nat', 'real servers'],
  ['realserver-dr', 'real servers'],
  ['director-nat', 'directors'],
  ['director-dr', 'directors'],
];

function stageName(roles: readonly RoleName[]): string | undefined {
  return STAGES[stageOf(roles)]?.name;
}

describe('roll-out stages', () => {
  it('puts each role in its stage: routers, then real servers, then directors', () => {
    assert.deepEqual([...ROLE_NAMES].sort(), ORDER.map(([role]) => role).sort(), 'every role has its place in ORDER');
    assert.deepEqual(ORDER.map(([role]) => [role, stageName([role])]), ORDER);
  });

  it('numbers the stages in roll-out order, so routers go first and directors last', () => {
    const [router, realNat, realDr, directorNat, directorDr] = ORDER.map(([role]) => stageOf([role]));
    assert.deepEqual([router, realNat, realDr, directorNat, directorDr], [0, 1, 1, 2, 2]);
    assert.equal(STAGES.length, 3);
  });

  it('sends a host with several roles in the stage of its earliest one', () => {
    assert.equal(stageName(['director-nat', 'router']), 'routers');
    assert.equal(stageName(['director-dr', 'realserver-dr']), 'real servers');
  });
});
