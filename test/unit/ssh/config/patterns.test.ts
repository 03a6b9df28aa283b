import { strict as assert } from 'node:assert';
import { matchHostLine, matchHostname, matchPattern, matchPatternList } from '../../../../src/ssh/config/patterns.ts';

describe('ssh config patterns', () => {
  it('* and ? are the only wildcards; the rest is literal and case-sensitive', () => {
    assert.equal(matchPattern('web1.lab', 'web?.*'), true);
    assert.equal(matchPattern('web10.lab', 'web?.lab'), false);
    assert.equal(matchPattern('a+b(c)', 'a+b(c)'), true);
    assert.equal(matchPattern('a.b', 'a?b'), true);
    assert.equal(matchPattern('axb', 'a.b'), false);
    assert.equal(matchPattern('Web1', 'web1'), false);
    assert.equal(matchPattern('', '*'), true);
  });

  it('a Host line applies when one pattern matches and no negated one does', () => {
    assert.equal(matchHostLine('db1', ['db?', '!db9']), true);
    assert.equal(matchHostLine('db9', ['db?', '!db9']), false);
    assert.equal(matchHostLine('db9', ['!db9', 'db?']), false);
    // A negation alone never makes a block apply.
    assert.equal(matchHostLine('web', ['!db9']), false);
    // Host takes each word as one pattern: a comma is part of it.
    assert.equal(matchHostLine('a', ['a,b']), false);
  });

  it('pattern lists (Match) are comma-separated with ! negations that win', () => {
    assert.equal(matchPatternList('deploy', 'root,deploy', false), 'yes');
    assert.equal(matchPatternList('deploy', 'd*,!deploy', false), 'negated');
    assert.equal(matchPatternList('ops', 'root,deploy', false), 'no');
  });

  it('Match host compares the lowercased name with the lowercased patterns', () => {
    assert.equal(matchHostname('Web1.LAB', 'WEB*.lab'), true);
    assert.equal(matchHostname('web1.lab', '*.lab,!web1.*'), false);
  });
});
