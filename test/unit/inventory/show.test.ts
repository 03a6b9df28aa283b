import { strict as assert } from 'node:assert';
import { escapeText, fieldPath, label, listed, show, showWithType } from '../../../src/inventory/show.ts';

describe('values shown in messages', () => {
  it('escape what would break or disguise a line, JSON-style, and keep the rest as written', () => {
    assert.equal(show('rs1'), "'rs1'");
    assert.equal(show("it's\\n"), "'it\\'s\\\\n'");
    assert.equal(show('a\nb\r\t\u0000\u001b[2J'), "'a\\nb\\r\\t\\u0000\\u001b[2J'");
    assert.equal(show('\u007f\u009b\u2028\u2029\u202e\u2066\ufeff'), "'\\u007f\\u009b\\u2028\\u2029\\u202e\\u2066\\ufeff'");
    assert.equal(show('é 🙂'), "'é 🙂'");
    assert.equal(show('\ud800x'), "'\\ud800x'", 'a lone surrogate');
  });

  it('cut a long value at 60 characters with an ellipsis, never inside an escape or a surrogate pair', () => {
    assert.equal(show('x'.repeat(200_000)), `'${'x'.repeat(60)}…'`);
    assert.equal(show('x'.repeat(60)), `'${'x'.repeat(60)}'`);
    assert.equal(escapeText(`${'x'.repeat(59)}\n`), `${'x'.repeat(59)}…`);
    assert.equal(escapeText(`${'x'.repeat(58)}\n`), `${'x'.repeat(58)}\\n`);
    assert.equal(escapeText(`${'x'.repeat(59)}🙂`), `${'x'.repeat(59)}…`);
    assert.equal(escapeText("don't", 200, ''), "don't", 'no quote to escape outside quotes');
  });

  it('say what a value is when it is not a string', () => {
    assert.deepEqual([1.5, NaN, true, null, undefined, [], {}, 10n, () => 1, Symbol('x')].map(show), ['1.5', 'NaN', 'true', 'null', 'nothing', 'a list', 'an object', '10n', 'a function', 'a symbol']);
    assert.equal(showWithType('80'), "the string '80'");
    assert.equal(showWithType(80), '80');
  });

  it('write labels and field paths bare when plain, quoted otherwise', () => {
    assert.equal(label('rs1'), 'rs1');
    assert.equal(label('192.168.10.100'), '192.168.10.100');
    assert.equal(label('../x'), "'../x'");
    assert.equal(label('a b'), "'a b'");
    assert.equal(fieldPath('interfaces', 'eth0'), 'interfaces.eth0');
    assert.equal(fieldPath('interfaces', 'eth0 '), "interfaces['eth0 ']");
    assert.equal(fieldPath('', 'gatway'), 'gatway');
    assert.equal(fieldPath('hosts', '-n'), "hosts['-n']");
  });

  it('list six items, then say how many more', () => {
    assert.equal(listed(['a', 'b']), 'a, b');
    assert.equal(listed(['1', '2', '3', '4', '5', '6', '7', '8']), '1, 2, 3, 4, 5, 6 and 2 more');
  });
});
