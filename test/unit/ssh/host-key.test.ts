import { strict as assert } from 'node:assert';
import { HostKeyGate } from '../../../src/ssh/host-key.ts';
import { parseKnownHosts } from '../../../src/ssh/known-hosts.ts';

// Real public keys (ssh-keygen output); only their blobs matter here.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDfMae35rl838XDyjie2wKq7MNv+X6kj5wFOwf09kbnf';
const OTHER_ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFGCkJaOH7s7yJ4pdM6RJgMj7cP9Mdze0owpjWmDaY6d';
const ECDSA = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKLe+F/fpYY979KgLtjHAFWYlyG07GIMABdF9eHkNKrwf4vrVGRBG+bvoQ+3hv+PvhrqLKxXk0ih80QuDnN3Nv0=';

const blob = (key: string): Buffer => Buffer.from(key.split(' ')[1]!, 'base64');

function gate(knownHosts: string, acceptNew = false): HostKeyGate {
  return new HostKeyGate(parseKnownHosts(knownHosts), { host: '127.0.0.1', port: 2201, file: '/k/known_hosts', acceptNew });
}

describe('the host key gate', () => {
  it('lets a known key through and records nothing', () => {
    const known = gate(`[127.0.0.1]:2201 ${ED25519}\n`);
    assert.equal(known.verify(blob(ED25519)), true);
    assert.equal(known.failure, undefined);
    assert.equal(known.accepted, undefined);
  });

  it('holds back an unknown key unless told to accept it, and then gives the line to record', () => {
    const strict = gate('');
    assert.equal(strict.verify(blob(ED25519)), false);
    assert.equal(strict.failure?.reason, 'host-key-unknown');
    const lenient = gate('', true);
    assert.equal(lenient.verify(blob(ED25519)), true);
    assert.equal(lenient.accepted, `[127.0.0.1]:2201 ${ED25519}`);
  });

  it('refuses a different key in the words of the brief, naming file and line', () => {
    const changed = gate(`# x\n\n[127.0.0.1]:2201 ${OTHER_ED25519}\n`, true);
    assert.equal(changed.verify(blob(ED25519)), false);
    assert.equal(changed.failure?.reason, 'host-key-mismatch');
    assert.match(
      changed.failure?.detail ?? '',
      /^host key for \[127\.0\.0\.1\]:2201 does not match \/k\/known_hosts line 3: possible man-in-the-middle, or the host was reinstalled \(it presented ssh-ed25519 SHA256:/,
    );
  });

  it('asks ssh2 for the known key types first (remove + prepend, since prepend alone skips listed ones)', () => {
    assert.equal(gate('').algorithms, undefined);
    assert.deepEqual(gate(`[127.0.0.1]:2201 ${ECDSA}\n`).algorithms, { remove: ['ecdsa-sha2-nistp256'], prepend: ['ecdsa-sha2-nistp256'] });
    const rsa = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
    assert.deepEqual(gate('[127.0.0.1]:2201 ssh-rsa AAAAB3NzaC1yc2E=\n').algorithms, { remove: rsa, prepend: rsa });
  });
});
