import { strict as assert } from 'node:assert';
import { argvSplit, lexLine, strdelim } from '../../../../src/ssh/config/lexer.ts';

const directive = (line: string) => {
  const lexed = lexLine(line);
  assert.equal(lexed.kind, 'directive', `"${line}" should be a directive`);
  return lexed as Extract<ReturnType<typeof lexLine>, { kind: 'directive' }>;
};

describe('the ssh config lexer', () => {
  it('lowercases the keyword and keeps how it was written', () => {
    const line = directive('  HostName web1');
    assert.equal(line.keyword, 'hostname');
    assert.equal(line.word, 'HostName');
    assert.deepEqual(line.args, ['web1']);
  });

  it('takes one = between keyword and value, with or without spaces', () => {
    for (const text of ['Port=22', 'Port = 22', 'Port =22', 'Port= 22', 'Port\t=\t22']) assert.deepEqual(directive(text).args, ['22'], text);
  });

  it('reads blank lines, comments and a lone keyword as such', () => {
    assert.deepEqual(lexLine(''), { kind: 'empty' });
    assert.deepEqual(lexLine('   \t\r'), { kind: 'empty' });
    assert.deepEqual(lexLine('# Host x'), { kind: 'empty' });
    assert.deepEqual(lexLine('   #Port 22'), { kind: 'empty' });
    assert.deepEqual(lexLine('Port'), { kind: 'bad', message: 'no argument after keyword "port"' });
  });

  it('unquotes double and single quotes, also inside a word', () => {
    assert.deepEqual(directive('IdentityFile "~/.ssh/my key"').args, ['~/.ssh/my key']);
    assert.deepEqual(directive("User 'o''brien'").args, ['obrien']);
    assert.deepEqual(directive('IdentityFile ~/"my keys"/id').args, ['~/my keys/id']);
    assert.deepEqual(directive(`Host "it's" 'say "hi"'`).args, ["it's", 'say "hi"']);
  });

  it('refuses an unclosed quote', () => {
    assert.deepEqual(lexLine('User "deploy'), { kind: 'bad', message: 'invalid quotes' });
  });

  it('unescapes a backslash before a quote, a backslash or (unquoted) a space, and keeps others', () => {
    assert.deepEqual(directive('IdentityFile ~/.ssh/my\\ key').args, ['~/.ssh/my key']);
    assert.deepEqual(directive('IdentityFile a\\"b a\\\\b a\\nb').args, ['a"b', 'a\\b', 'a\\nb']);
  });

  it('starts a comment with # only at the start of a word', () => {
    assert.deepEqual(directive('IdentityFile ~/.ssh/id#1 # mine').args, ['~/.ssh/id#1']);
    assert.deepEqual(directive('Host a b #c d').args, ['a', 'b']);
  });

  it('keeps the raw rest of the line for the keywords that read it whole', () => {
    assert.equal(directive('ProxyCommand ssh -W "%h:%p" bastion # not stripped').rest, 'ssh -W "%h:%p" bastion # not stripped');
  });

  it('strdelim splits on whitespace, one = or a quoted word', () => {
    assert.deepEqual(strdelim('host a,b'), { token: 'host', rest: 'a,b' });
    assert.deepEqual(strdelim('host=a'), { token: 'host', rest: 'a' });
    assert.deepEqual(strdelim('"all things" x'), { token: 'all things', rest: 'x' });
    assert.deepEqual(strdelim('"open'), { token: undefined, rest: undefined });
    assert.deepEqual(strdelim('last'), { token: 'last', rest: undefined });
  });

  it('argvSplit gives no words for an empty or comment-only text', () => {
    assert.deepEqual(argvSplit(''), []);
    assert.deepEqual(argvSplit('  # x'), []);
  });
});
