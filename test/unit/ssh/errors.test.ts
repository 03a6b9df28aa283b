import { strict as assert } from 'node:assert';
import { ConnectError, describeConnectFailure, type FailureContext } from '../../../src/ssh/errors.ts';

const CONTEXT: FailureContext = { port: 2201, user: 'root', connectTimeoutMs: 5000, authTried: ['key /root/.ssh/lab', 'ssh-agent (/tmp/agent)'] };

/** An error shaped as Node's sockets (`code`) and ssh2 (`level`) make them. */
function lowLevel(message: string, fields: { code?: string; level?: string } = {}): Error {
  return Object.assign(new Error(message), fields);
}

describe('connection failures in words an operator acts on', () => {
  const cases: Array<[string, Error, string, RegExp]> = [
    ['DNS: no such name', lowLevel('getaddrinfo ENOTFOUND rs1.lab', { code: 'ENOTFOUND', level: 'client-socket' }), 'dns', /^cannot resolve the host name \(DNS: ENOTFOUND\)$/],
    ['DNS: resolver down', lowLevel('getaddrinfo EAI_AGAIN rs1.lab', { code: 'EAI_AGAIN' }), 'dns', /EAI_AGAIN/],
    ['refused', lowLevel('connect ECONNREFUSED 127.0.0.1:2201', { code: 'ECONNREFUSED' }), 'refused', /^connection refused on port 2201/],
    ['no route', lowLevel('connect EHOSTUNREACH 10.0.0.1:22', { code: 'EHOSTUNREACH' }), 'unreachable', /no route/],
    ['TCP time-out', lowLevel('connect ETIMEDOUT 10.0.0.1:22', { code: 'ETIMEDOUT' }), 'timeout', /TCP connection timed out/],
    ['handshake time-out', lowLevel('Timed out while waiting for handshake', { level: 'client-timeout' }), 'timeout', /^timed out after 5000 ms/],
    ['reset', lowLevel('read ECONNRESET', { code: 'ECONNRESET' }), 'closed', /reset/],
    ['closed before the banner', lowLevel('Connection lost before handshake', { level: 'protocol' }), 'closed', /not an SSH server on this port/],
    // node-ssh gives this one code ETIMEDOUT: it must not read as a time-out.
    ['closed before ready (node-ssh)', lowLevel('No response from server', { code: 'ETIMEDOUT' }), 'closed', /closed the connection/],
    ['no common algorithm', lowLevel('Handshake failed: no matching host key format', { level: 'handshake' }), 'protocol', /^SSH handshake failed: Handshake failed: no matching host key format$/],
    ['anything else', new Error('Bad packet length'), 'protocol', /^SSH protocol error: Bad packet length$/],
  ];
  for (const [label, error, reason, detail] of cases) {
    it(label, () => {
      const described = describeConnectFailure(error, CONTEXT);
      assert.equal(described.reason, reason);
      assert.match(described.detail, detail);
    });
  }

  it('says which credentials were tried and what the server accepts', () => {
    const error = lowLevel('All configured authentication methods failed', { level: 'client-authentication' });
    assert.deepEqual(describeConnectFailure(error, { ...CONTEXT, serverMethods: ['publickey', 'password'] }), {
      reason: 'auth',
      detail: 'authentication failed for user root (tried key /root/.ssh/lab, ssh-agent (/tmp/agent); the server accepts: publickey, password)',
    });
  });

  it('says which key files were left out and why', () => {
    const error = lowLevel('All configured authentication methods failed', { level: 'client-authentication' });
    const detail = describeConnectFailure(error, { ...CONTEXT, authTried: ['ssh-agent (/tmp/agent)'], authNotes: ['/root/.ssh/id_ed25519 skipped: it is passphrase-protected'] }).detail;
    assert.equal(detail, 'authentication failed for user root (tried ssh-agent (/tmp/agent); /root/.ssh/id_ed25519 skipped: it is passphrase-protected)');
  });

  it('passes on what went wrong with the agent', () => {
    const error = lowLevel('connect ENOENT /tmp/agent', { level: 'agent' });
    assert.match(describeConnectFailure(error, CONTEXT).detail, /; ssh-agent: connect ENOENT \/tmp\/agent\)$/);
  });

  it('copes with something thrown that is not an Error', () => {
    assert.deepEqual(describeConnectFailure('boom', CONTEXT), { reason: 'protocol', detail: 'SSH protocol error: boom' });
  });
});

describe('ConnectError', () => {
  it('names the inventory host and the address dialled', () => {
    const error = new ConnectError('rs1', '127.0.0.1:2201', 'refused', 'connection refused on port 2201');
    assert.equal(error.message, 'rs1 (127.0.0.1:2201): connection refused on port 2201');
    assert.equal(error.name, 'ConnectError');
    assert.ok(error instanceof Error);
  });

  it('does not repeat the host when it is the address', () => {
    assert.equal(new ConnectError('127.0.0.1', '127.0.0.1:22', 'timeout', 'timed out').message, '127.0.0.1:22: timed out');
    assert.equal(new ConnectError('::1', '[::1]:22', 'timeout', 'timed out').message, '[::1]:22: timed out');
  });
});
