/** `become` in defaults and per host: what each spelling gives a host, and the one message for each mistake. */
import { strict as assert } from 'node:assert';
import { becomeOf, parseBecome, SUDO } from '../../../src/inventory/become.ts';
import { FieldReader } from '../../../src/inventory/fields.ts';
import { formatIssue, IssueList } from '../../../src/inventory/issues.ts';
import { checkInventory } from '../../../src/inventory/load.ts';
import { baseInventory, problems } from './cases.ts';

function parsed(record: Record<string, unknown>): { setting: ReturnType<typeof parseBecome>; issues: string[] } {
  const issues = new IssueList();
  const setting = parseBecome(new FieldReader(issues, 'host rs1', record));
  return { setting, issues: issues.items.map(formatIssue) };
}

describe('parseBecome', () => {
  it('reads true, { method: sudo } and {} as sudo, false as off, nothing as not given', () => {
    assert.deepEqual(parsed({ become: true }), { setting: SUDO, issues: [] });
    assert.deepEqual(parsed({ become: { method: 'sudo' } }), { setting: SUDO, issues: [] });
    assert.deepEqual(parsed({ become: {} }), { setting: SUDO, issues: [] });
    assert.deepEqual(parsed({ become: false }), { setting: false, issues: [] });
    assert.deepEqual(parsed({}), { setting: undefined, issues: [] });
  });

  it('refuses other values with one message naming the host and field', () => {
    assert.deepEqual(parsed({ become: 'yes' }), { setting: null, issues: ["host rs1, become: must be true, false or { method: 'sudo' }, got the string 'yes'"] });
    assert.deepEqual(parsed({ become: 1 }), { setting: null, issues: ["host rs1, become: must be true, false or { method: 'sudo' }, got 1"] });
    assert.deepEqual(parsed({ become: { method: 'su' } }), { setting: null, issues: ["host rs1, become.method: 'su' is not one of sudo"] });
    assert.deepEqual(parsed({ become: { method: 'sudo', user: 'admin' } }), { setting: null, issues: ['host rs1, become.user: unknown field (known: method)'] });
  });
});

describe('becomeOf', () => {
  it("takes the host's own setting over the default, false included", () => {
    assert.equal(becomeOf(undefined, undefined), undefined);
    assert.equal(becomeOf(undefined, SUDO), SUDO);
    assert.equal(becomeOf(false, SUDO), undefined);
    assert.equal(becomeOf(SUDO, false), SUDO);
    assert.equal(becomeOf(SUDO, undefined), SUDO);
    assert.equal(becomeOf(null, SUDO), null);
    assert.equal(becomeOf(undefined, null), null);
  });
});

describe('become in an inventory', () => {
  it('gives the default to every host but the one that turns it off', () => {
    const input = baseInventory('dr');
    input.defaults = { ...input.defaults, become: true };
    input.hosts.router.become = false;
    const hosts = checkInventory('inventory.ts', input).hosts;
    assert.deepEqual(
      hosts.map((host) => [host.name, host.become]),
      hosts.map((host) => [host.name, host.name === 'router' ? undefined : SUDO]),
    );
  });

  it('leaves hosts without become when the inventory says nothing', () => {
    assert.ok(checkInventory('inventory.ts', baseInventory('dr')).hosts.every((host) => host.become === undefined));
  });

  it('names the field of a bad default and of a bad host setting', () => {
    const input = baseInventory('dr');
    input.defaults = { ...input.defaults, become: 'sudo' };
    input.hosts.rs1.become = { method: 'doas' };
    assert.deepEqual(problems(input), ["inventory, defaults.become: must be true, false or { method: 'sudo' }, got the string 'sudo'", "host rs1, become.method: 'doas' is not one of sudo"]);
  });
});
