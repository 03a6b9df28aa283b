import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { expandHostName, expandPath, type TokenContext } from '../../../../src/ssh/config/tokens.ts';

const CONTEXT: TokenContext = {
  alias: 'web1',
  hostName: 'web1.lab.example',
  port: 2222,
  remoteUser: 'deploy',
  localUser: 'me',
  home: '/home/me',
  uid: 1000,
  localHostName: 'laptop.office.example',
  hostKeyAlias: undefined,
  env: { KEYS: '/srv/keys' },
};

describe('ssh config tokens', () => {
  it('expands every token ssh_config(5) lists for IdentityFile', () => {
    const expanded = expandPath('%h %r %p %u %d %l %L %n %i %k %%', CONTEXT);
    assert.deepEqual(expanded, { ok: true, value: 'web1.lab.example deploy 2222 me /home/me laptop.office.example laptop web1 1000 web1 %' });
  });

  it('%C is the SHA-1 of local host, host, port and user, as ssh computes it', () => {
    const hash = createHash('sha1').update('laptop.office.exampleweb1.lab.example2222deploy').digest('hex');
    assert.deepEqual(expandPath('~/.ssh/cm-%C', CONTEXT), { ok: true, value: `/home/me/.ssh/cm-${hash}` });
  });

  it('%k is the HostKeyAlias when there is one', () => {
    assert.deepEqual(expandPath('%k', { ...CONTEXT, hostKeyAlias: 'lb' }), { ok: true, value: 'lb' });
  });

  it('expands ~ and ~/ of the local user only, and nothing after the start', () => {
    assert.deepEqual(expandPath('~', CONTEXT), { ok: true, value: '/home/me/' });
    assert.deepEqual(expandPath('~//.ssh/id', CONTEXT), { ok: true, value: '/home/me/.ssh/id' });
    assert.deepEqual(expandPath('~me/.ssh/id', CONTEXT), { ok: true, value: '/home/me/.ssh/id' });
    assert.deepEqual(expandPath('/keys/~/id', CONTEXT), { ok: true, value: '/keys/~/id' });
    const other = expandPath('~bob/.ssh/id', CONTEXT);
    assert.equal(other.ok, false);
    assert.match((other as { message: string }).message, /~bob\/\.ssh\/id.*only for the local user \(me\)/);
  });

  it('expands ${VAR} from the given environment and refuses an unset one', () => {
    assert.deepEqual(expandPath('${KEYS}/%r', CONTEXT), { ok: true, value: '/srv/keys/deploy' });
    assert.deepEqual(expandPath('${NOPE}/id', CONTEXT), { ok: false, message: 'environment variable ${NOPE} is not set in "${NOPE}/id"' });
    assert.equal(expandPath('${KEYS', CONTEXT).ok, false);
    assert.equal(expandPath('${}', CONTEXT).ok, false);
  });

  it('refuses an unknown token or a lone % at the end', () => {
    assert.deepEqual(expandPath('id_%z', CONTEXT), { ok: false, message: 'unknown token %z in "id_%z"' });
    assert.equal(expandPath('id_%', CONTEXT).ok, false);
  });

  it('HostName knows only %h and %%, and no ${VAR}', () => {
    assert.deepEqual(expandHostName('%h.lab%%', 'web1'), { ok: true, value: 'web1.lab%' });
    assert.deepEqual(expandHostName('${X}', 'web1'), { ok: true, value: '${X}' });
    assert.equal(expandHostName('%r.lab', 'web1').ok, false);
  });
});
