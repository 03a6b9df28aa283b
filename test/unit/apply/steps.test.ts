// Which steps a plan becomes, in which order, with which command and for which items: the order is what
// makes each step find what it needs on the host (a sysctl file before `sysctl -p`, ip_vs before it, a unit
// file and its reload before the enable, real servers' addresses before the IPVS table that sends them
// traffic).
import { serviceKey } from '../../../src/ipvs/table.ts';
import { strict as assert } from 'node:assert';
import { gunzipSync } from 'node:zlib';
import { applyScript, applySteps, BACKUP_ROOT, parseApplyOutput, splitApplyOutput, type Step } from '../../../src/apply/script.ts';
import type { DesiredItem, ItemSpec } from '../../../src/desired/state.ts';
import type { HostFacts } from '../../../src/facts/gather.ts';
import type { Host, Port } from '../../../src/inventory/model.ts';
import { formatChange } from '../../../src/ipvs/format.ts';
import type { IPv4 } from '../../../src/net/ipv4.ts';
import { planHost } from '../../../src/plan/plan.ts';
import { svc } from '../ipvs/helpers.ts';
import { NO_FACTS } from '../plan/no-facts.ts';

const HOST: Host = { name: 'lvs', ssh: { host: 'lvs', port: 22 as Port, user: 'root' }, interfaces: [], roles: ['director-dr'], extraAddresses: [], state: 'present' };
const SYSCTL_FILE = '/etc/sysctl.d/90-lvsplay.conf';
const UNIT_FILE = '/etc/systemd/system/lvsplay-vip@.service';

function stepsFor(items: readonly ItemSpec[], facts: Partial<HostFacts> = {}): Step[] {
  const desired = items.map((item) => ({ ...item, roles: ['director-dr'] }) as DesiredItem);
  return applySteps(planHost({ host: HOST, roles: ['director-dr'], items: desired }, { ...NO_FACTS, ...facts }));
}

/** Each step as `id title ← the items it changes`, the way a failure report would name them. */
function outline(steps: readonly Step[]): string[] {
  return steps.map((s) => `${s.id} ${s.title} ← ${s.items.length === 0 ? 'none' : s.items.map((i) => i.kind).join(', ')}`);
}

/** The lines the IPVS step hands to `ipvsadm -R`, decoded as the host decodes them (base64, then gzip). */
function ipvsInput(step: Step): string {
  const packed = /<<'LVSPLAY_EOF'[^\n]*\n([\s\S]*?)LVSPLAY_EOF/.exec(step.body);
  assert.ok(packed, 'the step carries its delta as a here-document');
  return gunzipSync(Buffer.from(packed[1]!, 'base64')).toString('utf8');
}

const A = svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 2');

describe('apply steps from a plan', () => {
  it('puts files first, then modules, handlers, addresses, units and the IPVS table last, numbered from 1', () => {
    // Listed here in the opposite order, so only applySteps can put them in theirs.
    const steps = stepsFor([
      { kind: 'ipvs', table: [A], drainTimeouts: {} },
      { kind: 'unit', name: 'lvsplay-vip@1.service', startNow: true },
      { kind: 'address', device: 'lo', cidr: { address: '192.168.10.100' as IPv4, prefix: 32 }, label: 'lo:1' },
      { kind: 'sysctl', key: 'net.ipv4.vs.conntrack', value: '1', file: SYSCTL_FILE },
      { kind: 'module', name: 'ip_vs' },
      { kind: 'file', path: UNIT_FILE, content: '[Unit]\n', mode: 0o644, notify: [{ kind: 'daemon-reload' }] },
      { kind: 'file', path: SYSCTL_FILE, content: 'net.ipv4.vs.conntrack = 1\n', mode: 0o644, notify: [{ kind: 'sysctl-load', file: SYSCTL_FILE }] },
    ]);
    assert.deepEqual(outline(steps), [
      `1 write ${UNIT_FILE} ← file`,
      `2 write ${SYSCTL_FILE} ← file`,
      '3 modprobe ip_vs ← module',
      // Handlers in the order the items that fire them are listed; the sysctl is fixed by loading its file.
      `4 sysctl -p ${SYSCTL_FILE} ← sysctl`,
      '5 systemctl daemon-reload ← none',
      '6 ip address replace 192.168.10.100/32 dev lo label lo:1 ← address',
      '7 systemctl enable --no-reload lvsplay-vip@1.service ← unit',
      '8 systemctl start lvsplay-vip@1.service ← unit',
      '9 ipvsadm -R (3 lines) ← ipvs',
    ]);
  });

  it('runs each command it names, quoting what the shell must read as one word', () => {
    const steps = stepsFor([
      { kind: 'module', name: 'ip_vs_wrr' },
      { kind: 'address', device: 'eth0', cidr: { address: '192.168.10.81' as IPv4, prefix: 24 } },
      { kind: 'file', path: '/etc/odd name.conf', content: 'x\n', mode: 0o644, notify: [{ kind: 'sysctl-load', file: '/etc/odd name.conf' }] },
    ]);
    assert.deepEqual(
      steps.map((s) => s.body.split('\n')[0]),
      ["lvsplay_write '/etc/odd name.conf' 0644 0133 'x", 'modprobe ip_vs_wrr', "sysctl -p '/etc/odd name.conf'", 'ip address replace 192.168.10.81/24 dev eth0'],
    );
    // A handler fixes no item of its own when no sysctl item names its file.
    assert.deepEqual(steps[2]!.items, []);
  });

  it('reloads systemd with its own command, and loads each sysctl file for the sysctls it sets, only those', () => {
    const other = '/etc/sysctl.d/91-other.conf';
    const steps = stepsFor([
      { kind: 'file', path: UNIT_FILE, content: '[Unit]\n', mode: 0o644, notify: [{ kind: 'daemon-reload' }] },
      { kind: 'sysctl', key: 'net.ipv4.vs.conntrack', value: '1', file: SYSCTL_FILE },
      { kind: 'sysctl', key: 'net.ipv4.ip_forward', value: '1', file: other },
    ]);
    const handlers = steps.filter((s) => s.items.every((i) => i.kind !== 'file'));
    assert.deepEqual(
      handlers.map((s) => [s.body, s.items.map((i) => (i.kind === 'sysctl' ? i.key : i.kind))]),
      [
        ['systemctl daemon-reload', []],
        [`sysctl -p ${SYSCTL_FILE}`, ['net.ipv4.vs.conntrack']],
        [`sysctl -p ${other}`, ['net.ipv4.ip_forward']],
      ],
    );
  });

  it('keeps what it replaces under the backup root, in a folder of the run', () => {
    const script = applyScript(stepsFor([{ kind: 'module', name: 'ip_vs' }]), 'run-2024');
    assert.match(script, new RegExp(`^lvsplay_backup=${BACKUP_ROOT}/run-2024$`, 'm'));
  });

  it('writes a file by umask when its mode has no exec or special bit, by chmod when it has', () => {
    const heads = stepsFor([
      { kind: 'file', path: '/a', content: '', mode: 0o600, notify: [] },
      { kind: 'file', path: '/b', content: '', mode: 0o755, notify: [] },
      { kind: 'file', path: '/c', content: '', mode: 0o4644, notify: [] },
      { kind: 'file', path: '/d', content: '', mode: 0o640, notify: [] },
    ]).map((s) => s.body.split(' ').slice(0, 4).join(' '));
    assert.deepEqual(heads, ['lvsplay_write /a 0600 0177', 'lvsplay_write /b 0755 -', 'lvsplay_write /c 4644 -', 'lvsplay_write /d 0640 0137']);
  });

  it('hands ipvsadm -R exactly the planned delta, one line each, and counts the lines in its title', () => {
    const [add] = stepsFor([{ kind: 'ipvs', table: [A], drainTimeouts: {} }]);
    assert.equal(add!.title, 'ipvsadm -R (3 lines)');
    assert.equal(ipvsInput(add!), '-A -t 192.168.10.100:80 -s rr\n-a -t 192.168.10.100:80 -r 192.168.10.71:80 -g -w 1\n-a -t 192.168.10.100:80 -r 192.168.10.72:80 -g -w 2\n');
    // One real server's weight edited on a live table: one line, and the title says so in the singular.
    const live = svc('tcp 192.168.10.100:80 rr', '192.168.10.71:80 route 1', '192.168.10.72:80 route 1');
    const [edit] = stepsFor([{ kind: 'ipvs', table: [A], drainTimeouts: {} }], {
      ipvs: { moduleLoaded: true, live: [live], foreign: new Map(), persisted: new Set([serviceKey(live)]), liveIsRulesFile: false },
    });
    assert.equal(edit!.title, 'ipvsadm -R (1 line)');
    assert.equal(ipvsInput(edit!), `${formatChange({ op: 'edit-destination', service: A, destination: A.destinations[1]!, before: live.destinations[1]! })}\n`);
  });

  it('has no step for items already as wanted, nor for a check it must not fix', () => {
    const steps = stepsFor(
      [
        { kind: 'module', name: 'ip_vs' },
        { kind: 'default-route', via: '192.168.10.81' as IPv4, reason: 'NAT replies must return through the director' },
        { kind: 'unit', name: 'a.service', startNow: false },
      ],
      { modules: new Set(['ip_vs']), defaultRoute: '192.168.10.1' as IPv4 },
    );
    // A unit not to start now is enabled, never started.
    assert.deepEqual(outline(steps), ['1 systemctl enable --no-reload a.service ← unit']);
  });
});

describe("reading the apply script's markers", () => {
  it('takes only whole marker lines, and keeps the failed step’s own output without later markers', () => {
    const stdout = [' @@lvsplay-step 9 ok', '@@lvsplay-step 1 ok', '@@lvsplay-step 2 okay', '@@lvsplay-step 3 failed 2', 'line one', '@@lvsplay-done', '  line two  ', ''].join('\n');
    assert.deepEqual(parseApplyOutput(stdout), { ok: [1], failed: { id: 3, code: 2, output: 'line one\n  line two' } });
  });

  it('reads step numbers and exit codes of more than one digit; a line before the failed marker is not its output', () => {
    const stdout = ['@@lvsplay-step 10 ok', 'stray', '@@lvsplay-step 11 failed 124', 'timed out'].join('\n');
    assert.deepEqual(parseApplyOutput(stdout), { ok: [10], failed: { id: 11, code: 124, output: 'timed out' } });
  });

  it('splits at the done mark even when no step printed before it', () => {
    assert.deepEqual(splitApplyOutput('@@lvsplay-done\nread-back\n'), { steps: '', readBack: 'read-back\n' });
  });

  it('stops at the first failed step', () => {
    assert.deepEqual(parseApplyOutput('@@lvsplay-step 1 failed 5\n@@lvsplay-step 2 failed 6\n'), { ok: [], failed: { id: 1, code: 5, output: '' } });
  });
});
