// The roll-out order: routers, then real servers, then directors, then absent hosts. A director that sent
// traffic before its real servers answer, clients routed before the router is ready, or a real server
// emptied while its director still sends it connections, is an outage.
import { strict as assert } from 'node:assert';
import { ROLE_NAMES, type RoleName } from '../../../src/inventory/input.ts';
import { directorWaves, STAGES, stageOf } from '../../../src/run/stages.ts';

/** Each role, in the order its hosts must go, with the stage it goes in. */
const ORDER: readonly (readonly [RoleName, string])[] = [
  ['router', 'routers'],
  ['realserver-nat', 'real servers'],
  ['realserver-dr', 'real servers'],
  ['realserver-tun', 'real servers'],
  ['director-nat', 'directors'],
  ['director-dr', 'directors'],
];

const PRESENT = { state: 'present' } as const;

function stageName(roles: readonly RoleName[]): string | undefined {
  return STAGES[stageOf(PRESENT, roles)]?.name;
}

describe('roll-out stages', () => {
  it('puts each role in its stage: routers, then real servers, then directors', () => {
    assert.deepEqual([...ROLE_NAMES].sort(), ORDER.map(([role]) => role).sort(), 'every role has its place in ORDER');
    assert.deepEqual(
      ORDER.map(([role]) => [role, stageName([role])]),
      ORDER,
    );
  });

  it('numbers the stages in roll-out order, so routers go first and directors last', () => {
    assert.deepEqual(
      ORDER.map(([role]) => stageOf(PRESENT, [role])),
      [0, 1, 1, 1, 2, 2],
    );
    assert.equal(STAGES.length, 4);
  });

  it('sends an absent host last, with the removals, whatever roles it still lists, after the directors that drain it', () => {
    assert.equal(STAGES[stageOf({ state: 'absent' }, ['realserver-dr'])]!.name, 'removals');
    assert.equal(STAGES[stageOf({ state: 'absent' }, [])]!.name, 'removals');
    assert.equal(stageOf({ state: 'absent' }, ['router']), STAGES.length - 1);
  });

  it('sends a host with several roles in the stage of its earliest one', () => {
    assert.equal(stageName(['director-nat', 'router']), 'routers');
    assert.equal(stageName(['director-dr', 'realserver-dr']), 'real servers');
  });

  it('sends first the directors that give up an address another director takes, and says who waits for whom', () => {
    const moves: Record<string, { frees: string[]; claims: string[] }> = {
      lvs1: { frees: ['192.168.10.100'], claims: [] },
      lvs2: { frees: [], claims: ['192.168.10.100', '192.168.10.101'] },
      lvs3: { frees: ['192.168.10.102'], claims: ['192.168.10.103'] },
    };
    const waves = directorWaves(['lvs1', 'lvs2', 'lvs3'], (d) => moves[d]!);
    assert.deepEqual([waves.first, waves.second], [['lvs1'], ['lvs2', 'lvs3']]);
    assert.deepEqual([...waves.claimedFrom], [['lvs2', ['lvs1']]]);
  });

  it('keeps one wave when no address moves between directors, even one that moves within a director', () => {
    const waves = directorWaves(['lvs1', 'lvs2'], (d) => (d === 'lvs1' ? { frees: ['192.168.10.100'], claims: ['192.168.10.100'] } : { frees: [], claims: [] }));
    assert.deepEqual([waves.first, waves.second, waves.claimedFrom.size], [[], ['lvs1', 'lvs2'], 0]);
  });
});
