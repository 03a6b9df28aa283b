import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { quote, quoteAll } from '../../../src/ssh/quote.ts';

/** What a real shell prints for `printf '%s\0' WORDS`: one string per word. /bin/sh is dash here. */
function shellWords(fragment: string, shell = '/bin/sh'): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${fragment}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const NASTY = [
  '',
  ' ',
  'two words',
  "it's",
  "'",
  "''",
  '"double"',
  '$HOME',
  '$(id -u)',
  '`id -u`',
  'a\nb',
  '\n',
  'tab\there',
  'back\\slash',
  '\\',
  'semi;colon && or || pipe | amp &',
  'glob * ? [a-z]',
  '~',
  '~/x',
  '-n',
  'A=b',
  '#comment',
  '!bang',
  "it's done!",
  '{a,b}',
  '%s %d',
  'ünïcødé 🚀',
  '192.168.10.100:80',
  '/etc/sysconfig/network-scripts/ifcfg-lo:1',
];

describe('quote: shell words that a POSIX shell reads back unchanged', () => {
  for (const value of NASTY) {
    it(`round-trips ${JSON.stringify(value)} through sh -c`, () => {
      assert.deepEqual(shellWords(quote(value)), [value]);
    });
  }

  it('quotes every value of a list as its own word', () => {
    assert.deepEqual(shellWords(quoteAll(NASTY)), NASTY);
  });

  it("round-trips the same values through bash, root's login shell on the lab hosts (sshd runs commands with it)", () => {
    assert.deepEqual(shellWords(quoteAll(NASTY), '/bin/bash'), NASTY);
  });

  it('leaves plain paths, names and addresses bare, so scripts stay readable', () => {
    assert.equal(quote('/etc/sysctl.d/90-lvsplay-router.conf'), '/etc/sysctl.d/90-lvsplay-router.conf');
    assert.equal(quote('lvsplay-vip@1.service'), 'lvsplay-vip@1.service');
    assert.equal(quote('net.ipv4.conf.all.arp_ignore'), 'net.ipv4.conf.all.arp_ignore');
  });

  it('quotes what a shell would expand or split', () => {
    assert.equal(quote(''), "''");
    assert.equal(quote('$(id)'), "'$(id)'");
    assert.equal(quote("it's"), "'it'\\''s'");
    assert.equal(quote('A=b'), "'A=b'");
    assert.equal(quote('~'), "'~'");
  });

  it('keeps an assignment-looking value from being an assignment as a command word', () => {
    assert.equal(execFileSync('/bin/sh', ['-c', `${quote('A=b')} 2>/dev/null; echo $?`], { encoding: 'utf8' }).trim(), '127');
  });
});
