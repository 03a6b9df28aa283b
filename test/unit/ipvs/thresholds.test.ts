// The threshold guard of the step that edits real servers: its listing lines, and its awk program run by the
// real awk on what the lab's ipvsadm -R printed for them (test/fixtures/facts/ipvsadm-R-list-thresholds.txt:
// 192.168.10.71:80 of tcp 192.168.10.100:80 has -x 100 -y 50, tcp 10.9.9.99:80 does not exist).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyScript, applySteps } from '../../../src/apply/script.ts';
import type { IpvsChange } from '../../../src/ipvs/delta.ts';
import type { IpvsDestination, IpvsServiceId } from '../../../src/ipvs/table.ts';
import { THRESHOLDS_AWK, thresholdsGuard } from '../../../src/ipvs/thresholds.ts';
import { planHost } from '../../../src/plan/plan.ts';
import { NO_FACTS } from '../plan/no-facts.ts';
import { svc } from './helpers.ts';

const LISTED = readFileSync(fileURLToPath(new URL('../../fixtures/facts/ipvsadm-R-list-thresholds.txt', import.meta.url)), 'utf8');
const WITHOUT_MISSING = LISTED.replace(/^No such service\n/m, '');

const service = (vip: string, port: number): IpvsServiceId => ({ protocol: 'tcp', vip, port }) as IpvsServiceId;
const destination = (address: string, port: number, weight: number): IpvsDestination => ({ address, port, forwarding: 'route', weight }) as IpvsDestination;
const edit = (on: IpvsServiceId, address: string, weight: number): IpvsChange => ({
  op: 'edit-destination',
  service: on,
  destination: destination(address, on.port ?? 0, weight),
  before: destination(address, on.port ?? 0, 1),
});

const SEED = service('192.168.10.100', 80);
const NAT = service('172.16.10.81', 443);

/** The guard's awk over `listing`, told of the edited real servers as the guard tells it. */
function held(listing: string, changes: readonly IpvsChange[]): string {
  const line = thresholdsGuard(changes).find((l) => l.startsWith('lvsplay_held='))!;
  const edited = /-v edited='([^']*)'/.exec(line)![1]!;
  return execFileSync('awk', ['-v', `edited=${edited}`, THRESHOLDS_AWK], { input: listing, encoding: 'utf8' });
}

describe('the threshold guard before real servers are edited', () => {
  it('is not there when the delta edits no real server', () => {
    assert.deepEqual(thresholdsGuard([{ op: 'add-destination', service: SEED, destination: destination('192.168.10.73', 80, 1) }]), []);
  });

  it('lists each service of an edited real server once, in one ipvsadm -R', () => {
    const lines = thresholdsGuard([edit(SEED, '192.168.10.71', 2), edit(SEED, '192.168.10.72', 2), edit(NAT, '192.168.10.71', 3)]);
    assert.deepEqual(
      lines.filter((l) => l.startsWith('-L ')),
      ['-L -n --thresholds -t 192.168.10.100:80', '-L -n --thresholds -t 172.16.10.81:443'],
    );
    assert.equal(lines.filter((l) => l.includes('ipvsadm -R')).length, 1);
  });

  it('stops on a real server with a threshold, naming it and its values', () => {
    assert.equal(
      held(WITHOUT_MISSING, [edit(SEED, '192.168.10.71', 2)]),
      'real server 192.168.10.71:80 of tcp 192.168.10.100:80 has a connection threshold set outside lvsplay (-x 100 -y 50), which lvsplay cannot express and its edit would clear, so no IPVS change was made. ' +
        'Clear it by hand (-x 0 -y 0 in an ipvsadm -e of it) for lvsplay to manage this real server\n',
    );
  });

  it('lets edits go ahead when the real servers edited have none, even if another of their service has one', () => {
    assert.equal(held(WITHOUT_MISSING, [edit(SEED, '192.168.10.72', 2), edit(NAT, '192.168.10.71', 3)]), '');
  });

  it('stops on anything else ipvsadm said, such as a service gone since the facts were read', () => {
    assert.equal(held(LISTED, [edit(SEED, '192.168.10.72', 2)]), 'listing thresholds: No such service\n');
  });

  it('runs in the IPVS step before the delta, and is valid sh', () => {
    const live = svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1');
    const state = {
      host: { name: 'lvs' },
      roles: ['director-dr'],
      items: [{ kind: 'ipvs', table: [svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 2')], drainTimeouts: {}, roles: ['director-dr'] }],
    };
    const plan = planHost(state as never, { ...NO_FACTS, ipvs: { moduleLoaded: true, live: [live], foreign: new Map(), persisted: new Set(['tcp 192.168.10.100:80']), liveIsRulesFile: false } });
    const [step] = applySteps(plan);
    assert.ok(step!.body.indexOf('-L -n --thresholds -t 192.168.10.100:80') < step!.body.indexOf('| ipvsadm -R 2>&1 >/dev/null'), step!.body);
    for (const shell of ['dash', 'bash']) execFileSync(shell, ['-n'], { input: applyScript([step!], 'run-1') });
  });
});
