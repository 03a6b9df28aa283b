/** The pure parts of become: the password that hides itself, the invocation, and sudo's words turned into messages. */
import { strict as assert } from 'node:assert';
import { format, inspect } from 'node:util';
import { SUDO } from '../../../src/inventory/become.ts';
import { describeBecomeFailure } from '../../../src/ssh/become-failure.ts';
import { BecomePassword, BecomePasswordError } from '../../../src/ssh/become-password.ts';
import { becomeInvocation, elevationOf, splitAtMark, BECOME_MARK } from '../../../src/ssh/become.ts';

const SECRET = 'hunter2-secret';

describe('BecomePassword', () => {
  const password = BecomePassword.of(SECRET, 'test');

  it('shows itself as a placeholder in strings, templates, JSON, inspect and format', () => {
    for (const shown of [String(password), `${password}`, JSON.stringify({ password }), inspect({ password }), format('%s %o %j', password, password, password), `${[password]}`]) {
      assert.ok(!shown.includes(SECRET), shown);
      assert.match(shown, /\[become password\]/);
    }
    assert.equal(password.reveal(), SECRET);
  });

  it('refuses an empty password and one with a line break, naming where it came from', () => {
    assert.throws(
      () => BecomePassword.of('', 'LVSPLAY_BECOME_PASSWORD'),
      (error: Error) => error instanceof BecomePasswordError && /^LVSPLAY_BECOME_PASSWORD is empty/.test(error.message),
    );
    assert.throws(() => BecomePassword.of('a\nb', 'LVSPLAY_BECOME_PASSWORD'), /LVSPLAY_BECOME_PASSWORD holds a line break/);
  });
});

describe('becomeInvocation', () => {
  it('runs sudo -n without a password, the script on stdin after the mark', () => {
    const { command, stdin } = becomeInvocation('timeout -k 5 9 sh -s', 'id -u', SUDO);
    assert.equal(command, 'sudo -n -- timeout -k 5 9 sh -s');
    assert.equal(stdin, `printf '%s\\n' ${BECOME_MARK} >&2; id -u`);
  });

  it('sends the password as the first line of stdin, never in the command line', () => {
    const { command, stdin } = becomeInvocation('timeout -k 5 9 sh -s', 'id -u', { ...SUDO, password: BecomePassword.of(SECRET, 'test') });
    assert.ok(!command.includes(SECRET));
    assert.match(command, /sudo -A -k -p \/proc\/\$\$\/fd\/3 -- timeout -k 5 9 sh -s/);
    assert.equal(stdin, `${SECRET}\nprintf '%s\\n' ${BECOME_MARK} >&2; id -u`);
  });

  it('splits stderr at the mark: sudo before, the script after', () => {
    assert.deepEqual(splitAtMark(`sudo: unable to resolve host x\n${BECOME_MARK}\noops\n`), { sudo: 'sudo: unable to resolve host x\n', script: 'oops\n' });
    assert.deepEqual(splitAtMark('sudo: a password is required\n'), { sudo: 'sudo: a password is required\n' });
  });

  it('elevates a host with become, or every host with --become, adding the password', () => {
    const password = BecomePassword.of(SECRET, 'test');
    assert.equal(elevationOf(undefined, { force: false }), undefined);
    assert.deepEqual(elevationOf(SUDO, { force: false }), SUDO);
    assert.deepEqual(elevationOf(undefined, { force: true, password }), { ...SUDO, password });
  });
});

describe('describeBecomeFailure', () => {
  const failure = (stderr: string, code = 1): string => describeBecomeFailure('rs1', { code }, stderr);

  it('names what sudo refused, in words an operator can act on', () => {
    assert.equal(failure('sudo: a password is required\n'), 'host rs1: become (sudo) needs a password: give it with --ask-become-pass or LVSPLAY_BECOME_PASSWORD');
    assert.match(
      failure('Sorry, try again.\nsudo: no password was provided\nsudo: 1 incorrect password attempt\n'),
      /^host rs1: become \(sudo\): the password was refused \(sudo: 1 incorrect password attempt\)/,
    );
    assert.match(failure('deploy is not in the sudoers file.\n'), /^host rs1: become \(sudo\): deploy is not in the sudoers file there/);
    assert.match(failure("Sorry, user deploy is not allowed to execute '/usr/bin/timeout -k 5 9 sh -s' as root on lvs.\n"), /may not run '\/usr\/bin\/timeout -k 5 9 sh -s' as root/);
    assert.match(failure('sudo: sorry, you must have a tty to run sudo\n'), /requiretty/);
    assert.equal(failure('bash: line 1: sudo: command not found\n', 127), 'host rs1: become (sudo): sudo is not installed there (or not on the login PATH)');
    assert.equal(failure('sh: 1: sudo: not found\n', 127), 'host rs1: become (sudo): sudo is not installed there (or not on the login PATH)');
  });

  it('quotes what sudo said when it is none of those', () => {
    assert.equal(failure('sudo: account validation failure, is your account locked?\n'), 'host rs1: become (sudo) failed (exit 1): sudo: account validation failure, is your account locked?');
    assert.equal(failure(''), 'host rs1: become (sudo) failed (exit 1), and said nothing');
  });
});
