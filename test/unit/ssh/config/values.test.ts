import { strict as assert } from 'node:assert';
import { parseCount, parseFlag, parsePort, parseProxyJump, parseStrictHostKeyChecking, parseTime } from '../../../../src/ssh/config/values.ts';

describe('ssh config values', () => {
  it('ProxyJump: [user@]host[:port] hops in connection order', () => {
    assert.deepEqual(parseProxyJump('bastion'), { ok: true, value: [{ host: 'bastion' }] });
    assert.deepEqual(parseProxyJump('ops@bastion:2222,inner'), { ok: true, value: [{ user: 'ops', host: 'bastion', port: 2222 }, { host: 'inner' }] });
    assert.deepEqual(parseProxyJump('a@b@jump'), { ok: true, value: [{ user: 'a@b', host: 'jump' }] });
    assert.deepEqual(parseProxyJump('[fe80::1]:22,[10.0.0.1]'), { ok: true, value: [{ host: 'fe80::1', port: 22 }, { host: '10.0.0.1' }] });
  });

  it('ProxyJump: ssh:// URIs with a percent-encoded user and ;parameters ignored', () => {
    assert.deepEqual(parseProxyJump('ssh://jump%40x;fp=abc@inner.example:2022'), { ok: true, value: [{ user: 'jump@x', host: 'inner.example', port: 2022 }] });
    assert.deepEqual(parseProxyJump('ssh://bastion/'), { ok: true, value: [{ host: 'bastion' }] });
  });

  it('ProxyJump: none, and a # ending the value', () => {
    assert.deepEqual(parseProxyJump('none'), { ok: true, value: [] });
    assert.deepEqual(parseProxyJump('NONE'), { ok: true, value: [] });
    assert.deepEqual(parseProxyJump('bastion # the way in'), { ok: true, value: [{ host: 'bastion' }] });
  });

  it('ProxyJump: refuses what ssh refuses', () => {
    for (const bad of ['@bastion', 'bastion:0', 'bastion:x', 'bastion:', 'a,,b', 'ssh://host/path', 'ssh://-bad', 'host/x', '[::1', 'ssh://%zz@h']) {
      const parsed = parseProxyJump(bad);
      if (bad === 'bastion:') assert.deepEqual(parsed, { ok: true, value: [{ host: 'bastion' }] }, bad);
      else assert.equal(parsed.ok, false, bad);
    }
  });

  it('ports are 1-65535', () => {
    assert.deepEqual(parsePort('2222'), { ok: true, value: 2222 });
    for (const bad of ['0', '65536', '-1', 'ssh', '22x', '']) assert.equal(parsePort(bad).ok, false, bad);
  });

  it('times are seconds with optional units, none leaving them unset', () => {
    assert.deepEqual(parseTime('90'), { ok: true, value: 90 });
    assert.deepEqual(parseTime('1m30s'), { ok: true, value: 90 });
    assert.deepEqual(parseTime('1H'), { ok: true, value: 3600 });
    assert.deepEqual(parseTime('1w1d'), { ok: true, value: 691_200 });
    assert.deepEqual(parseTime('none'), { ok: true, value: undefined });
    for (const bad of ['', 'm', '1x', '-5', '1.5', '99999999999']) assert.equal(parseTime(bad).ok, false, bad);
  });

  it('flags, counts and StrictHostKeyChecking take ssh spellings', () => {
    assert.deepEqual(parseFlag('Yes'), { ok: true, value: true });
    assert.deepEqual(parseFlag('false'), { ok: true, value: false });
    assert.equal(parseFlag('on').ok, false);
    assert.deepEqual(parseCount('0'), { ok: true, value: 0 });
    assert.equal(parseCount('-1').ok, false);
    assert.deepEqual(parseStrictHostKeyChecking('off'), { ok: true, value: 'no' });
    assert.deepEqual(parseStrictHostKeyChecking('TRUE'), { ok: true, value: 'yes' });
    assert.deepEqual(parseStrictHostKeyChecking('accept-new'), { ok: true, value: 'accept-new' });
    assert.equal(parseStrictHostKeyChecking('maybe').ok, false);
  });
});
