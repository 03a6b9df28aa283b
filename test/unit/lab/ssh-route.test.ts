// The lab's ssh through hops (ssh.ts: a route `via` other sshds, as the bastion lab reaches its VMs), against
// real sshd processes on 127.0.0.1, each with its own client key: the hop's own key and user are used for the
// hop, and hops nest.
import { strict as assert } from 'node:assert';
import { describeRoute, sshExec, type SshRoute } from '../../lab/ssh.ts';
import { startSshd, type TestSshd } from '../ssh/sshd-fixture.ts';

describe('lab ssh through hops', function () {
  this.timeout(60_000);
  const servers: TestSshd[] = [];
  before(async () => {
    for (let i = 0; i < 3; i++) servers.push(await startSshd());
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  const at = (server: TestSshd, via?: SshRoute, privateKey = server.clientKey): SshRoute => ({
    host: '127.0.0.1',
    port: server.port,
    user: server.user,
    privateKey,
    ...(via && { via }),
  });

  it('logs in to the target through the hop, each with its own key', async () => {
    const [hop, target] = [servers[0]!, servers[1]!];
    const before = hop.authenticated();
    const result = await sshExec(at(target, at(hop)), 'echo "$SSH_CONNECTION"', { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(` ${target.port}\\n$`));
    assert.equal(hop.authenticated(), before + 1, 'the hop authenticated the connection');
  });

  it('goes through two hops, quoted within each other', async () => {
    const [first, second, target] = [servers[0]!, servers[1]!, servers[2]!];
    const before = [first.authenticated(), second.authenticated()];
    const result = await sshExec(at(target, at(second, at(first))), "printf '%s' 'a b'", { input: '', timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'a b');
    assert.deepEqual([first.authenticated(), second.authenticated()], [before[0]! + 1, before[1]! + 1]);
  });

  it('fails when the hop refuses its key, though the target would take its own', async () => {
    const [hop, target] = [servers[0]!, servers[1]!];
    const result = await sshExec(at(target, at(hop, undefined, hop.wrongKey)), 'true', { timeoutMs: 30_000 });
    assert.equal(result.code, 255);
    assert.match(result.stderr, /Permission denied \(publickey\)/);
  });

  it('describes a route hop by hop', () => {
    const hop: SshRoute = { host: '127.0.0.1', port: 4000, user: 'root', privateKey: '/k' };
    assert.equal(describeRoute({ host: '192.168.10.71', port: 2222, user: 'root', privateKey: '/k', via: hop }), 'root@192.168.10.71:2222 via root@127.0.0.1:4000');
  });
});
