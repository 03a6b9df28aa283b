import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHostKey, fingerprint, hostMatches, keyTypeOf, knownHostsLine, knownHostsName, knownKeyTypes, parseKnownHosts, type KnownHostsEntry } from '../../../src/ssh/known-hosts.ts';

interface Key {
  readonly type: string;
  readonly base64: string;
  readonly blob: Buffer;
  /** `type base64`, as a known_hosts line has it. */
  readonly text: string;
}

async function makeKey(dir: string, name: string, type: string): Promise<Key> {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', join(dir, name)]);
  const [keyType, base64] = (await readFile(join(dir, `${name}.pub`), 'utf8')).split(' ') as [string, string];
  return { type: keyType, base64, blob: Buffer.from(base64, 'base64'), text: `${keyType} ${base64}` };
}

/** The lines OpenSSH itself finds for a name (`ssh-keygen -F`), the oracle for host matching. */
function opensshLines(file: string, name: string): number[] {
  let out: string;
  try {
    out = execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
  } catch {
    return []; // exits 1 when nothing matches
  }
  return [...out.matchAll(/found: line (\d+)/g)].map((match) => Number(match[1]));
}

function ourLines(entries: readonly KnownHostsEntry[], host: string, port: number): number[] {
  const name = knownHostsName(host, port);
  return entries.filter((entry) => hostMatches(entry.hosts, name)).map((entry) => entry.line);
}

describe('known_hosts', function () {
  this.timeout(20_000);
  let dir: string;
  let a: Key; // ed25519, known for most hosts
  let b: Key; // ed25519, a different key
  let c: Key; // ecdsa
  let revoked: Key;
  let plainFile: string;
  let hashedFile: string;
  let plain: KnownHostsEntry[];
  let hashed: KnownHostsEntry[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsplay-known-hosts-'));
    a = await makeKey(dir, 'a', 'ed25519');
    b = await makeKey(dir, 'b', 'ed25519');
    c = await makeKey(dir, 'c', 'ecdsa');
    revoked = await makeKey(dir, 'r', 'ed25519');
    const valid = [
      '# lab hosts', //                                                       1
      '', //                                                                  2
      `rs1,192.168.10.71 ${a.text} root@rs1`, //                              3
      `[127.0.0.1]:2222 ${a.text}`, //                                         4
      `127.0.0.1 ${c.text}`, //                                                5
      `*.lab,!bad.lab ${a.text}`, //                                           6
      `@cert-authority *.lab ${b.text}`, //                                    7
      `@revoked * ${revoked.text}`, //                                         8
      `lvs ${b.text}`, //                                                      9
      `lvs ${c.text}`, //                                                     10
      `RS2\t${a.text}`, //                                                    11
      `   [rs4]:2201 ${a.text}`, //                                           12
    ];
    const malformed = [
      'only-a-host-name', //                                                  13
      'broken ssh-ed25519 not*base64', //                                     14
      `@unknown-marker rs3 ${a.text}`, //                                     15
    ];
    plainFile = join(dir, 'known_hosts');
    await writeFile(plainFile, [...valid, ...malformed, ''].join('\n'));
    // `ssh-keygen -H` hashes each name of each line (wildcard lines stay as they are); it refuses
    // a file with malformed lines, so it gets the valid ones only.
    hashedFile = join(dir, 'known_hosts.hashed');
    await writeFile(hashedFile, [...valid, ''].join('\n'));
    execFileSync('ssh-keygen', ['-H', '-f', hashedFile], { stdio: 'pipe' });
    plain = parseKnownHosts(await readFile(plainFile, 'utf8'));
    hashed = parseKnownHosts(await readFile(hashedFile, 'utf8'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('parsing', () => {
    it('keeps well-formed lines with their 1-based numbers and skips comments, blanks and malformed lines', () => {
      assert.deepEqual(
        plain.map((entry) => entry.line),
        [3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      );
      assert.equal(plain.find((entry) => entry.line === 7)?.marker, 'cert-authority');
      assert.equal(plain.find((entry) => entry.line === 8)?.marker, 'revoked');
      assert.equal(plain.find((entry) => entry.line === 3)?.keyType, 'ssh-ed25519');
      assert.ok(plain.find((entry) => entry.line === 5)?.key.equals(c.blob));
    });

    it('reads the file ssh-keygen -H wrote: one hashed line per name', async () => {
      const text = await readFile(hashedFile, 'utf8');
      assert.match(text, /^\|1\|[^|]+\|[^| ]+ ssh-ed25519 /m);
      assert.doesNotMatch(text, /127\.0\.0\.1/);
      assert.ok(hashed.filter((entry) => entry.hosts.startsWith('|1|')).length >= 6);
    });
  });

  describe('host matching agrees with OpenSSH (ssh-keygen -F) on', () => {
    const queries: Array<[string, number]> = [
      ['rs1', 22],
      ['RS1', 22],
      ['192.168.10.71', 22],
      ['127.0.0.1', 2222],
      ['127.0.0.1', 22],
      ['127.0.0.1', 2223],
      ['web.lab', 22],
      ['bad.lab', 22],
      ['lvs', 22],
      ['rs2', 22],
      ['rs3', 22],
      ['rs4', 2201],
      ['rs4', 22],
      ['nowhere', 22],
    ];
    for (const [host, port] of queries) {
      const name = knownHostsName(host, port);
      it(`${host} port ${port} (${name}), plain and hashed`, () => {
        assert.deepEqual(ourLines(plain, host, port), opensshLines(plainFile, name), 'plain file');
        assert.deepEqual(ourLines(hashed, host, port), opensshLines(hashedFile, name), 'hashed file');
      });
    }
  });

  describe('the decision for a presented key', () => {
    it('matches a plain name, any name of a comma list, and case-insensitively', () => {
      assert.deepEqual(checkHostKey(plain, 'rs1', 22, a.type, a.blob), { status: 'match', line: 3 });
      assert.deepEqual(checkHostKey(plain, '192.168.10.71', 22, a.type, a.blob), { status: 'match', line: 3 });
      assert.deepEqual(checkHostKey(plain, 'rs2', 22, a.type, a.blob), { status: 'match', line: 11 });
    });

    it('looks up a non-22 port as [host]:port, and never the bare name', () => {
      assert.deepEqual(checkHostKey(plain, '127.0.0.1', 2222, a.type, a.blob), { status: 'match', line: 4 });
      assert.deepEqual(checkHostKey(plain, '127.0.0.1', 2222, b.type, b.blob), { status: 'mismatch', line: 4, revoked: false });
      assert.deepEqual(checkHostKey(plain, '127.0.0.1', 2223, a.type, a.blob), { status: 'unknown', otherKeyTypes: [] });
    });

    it('calls another key of a known type a mismatch, naming the line', () => {
      assert.deepEqual(checkHostKey(plain, 'rs1', 22, b.type, b.blob), { status: 'mismatch', line: 3, revoked: false });
      assert.deepEqual(checkHostKey(plain, 'lvs', 22, a.type, a.blob), { status: 'mismatch', line: 9, revoked: false });
    });

    it("accepts any of a host's keys of several types", () => {
      assert.deepEqual(checkHostKey(plain, 'lvs', 22, b.type, b.blob), { status: 'match', line: 9 });
      assert.deepEqual(checkHostKey(plain, 'lvs', 22, c.type, c.blob), { status: 'match', line: 10 });
      assert.deepEqual(knownKeyTypes(plain, 'lvs', 22), ['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    });

    it('reports a key of a type not known for a known host as unknown, with the types it has', () => {
      assert.deepEqual(checkHostKey(plain, '127.0.0.1', 22, a.type, a.blob), { status: 'unknown', otherKeyTypes: ['ecdsa-sha2-nistp256'] });
    });

    it('follows wildcards and negation, and ignores @cert-authority lines', () => {
      assert.deepEqual(checkHostKey(plain, 'web.lab', 22, a.type, a.blob), { status: 'match', line: 6 });
      assert.deepEqual(checkHostKey(plain, 'bad.lab', 22, a.type, a.blob), { status: 'unknown', otherKeyTypes: [] });
      // b is the CA key for *.lab: presented as a host key it is just another ed25519 key.
      assert.deepEqual(checkHostKey(plain, 'web.lab', 22, b.type, b.blob), { status: 'mismatch', line: 6, revoked: false });
    });

    it('refuses a @revoked key for any host its pattern covers, even one that lists it as known', async () => {
      assert.deepEqual(checkHostKey(plain, 'anything', 22, revoked.type, revoked.blob), { status: 'mismatch', line: 8, revoked: true });
      const both = parseKnownHosts(`rs9 ${revoked.text}\n@revoked rs9 ${revoked.text}\n`);
      assert.deepEqual(checkHostKey(both, 'rs9', 22, revoked.type, revoked.blob), { status: 'mismatch', line: 2, revoked: true });
    });

    it('ignores a line with an unknown marker rather than trusting it', () => {
      assert.deepEqual(checkHostKey(plain, 'rs3', 22, a.type, a.blob), { status: 'unknown', otherKeyTypes: [] });
    });

    it('decides the same on the hashed file (line numbers aside)', () => {
      const cases: Array<[string, number, Key]> = [
        ['rs1', 22, a],
        ['rs1', 22, b],
        ['192.168.10.71', 22, a],
        ['127.0.0.1', 2222, a],
        ['127.0.0.1', 2222, b],
        ['127.0.0.1', 22, a],
        ['lvs', 22, c],
        ['rs2', 22, a],
        ['web.lab', 22, a],
        ['x', 22, revoked],
      ];
      for (const [host, port, key] of cases) {
        assert.equal(checkHostKey(hashed, host, port, key.type, key.blob).status, checkHostKey(plain, host, port, key.type, key.blob).status, `${host}:${port}`);
      }
      const hashedLine = hashed.find((entry) => entry.line === checkLine(checkHostKey(hashed, '127.0.0.1', 2222, a.type, a.blob)));
      assert.ok(hashedLine?.hosts.startsWith('|1|'));
    });
  });

  describe('writing', () => {
    it('writes [host]:port for a port other than 22, and the bare name on 22, in lower case', () => {
      assert.equal(knownHostsLine('127.0.0.1', 2222, a.type, a.base64), `[127.0.0.1]:2222 ${a.text}`);
      assert.equal(knownHostsLine('RS1', 22, a.type, a.base64), `rs1 ${a.text}`);
    });

    it('writes lines that OpenSSH finds again', async () => {
      const file = join(dir, 'written');
      await writeFile(file, `${knownHostsLine('127.0.0.1', 2222, a.type, a.base64)}\n${knownHostsLine('lvs', 22, c.type, c.base64)}\n`);
      assert.deepEqual(opensshLines(file, '[127.0.0.1]:2222'), [1]);
      assert.deepEqual(opensshLines(file, 'lvs'), [2]);
    });
  });

  describe('key blobs', () => {
    it('reads the key type inside a blob, and rejects a truncated one', () => {
      assert.equal(keyTypeOf(a.blob), 'ssh-ed25519');
      assert.equal(keyTypeOf(c.blob), 'ecdsa-sha2-nistp256');
      assert.equal(keyTypeOf(Buffer.from([0, 0, 0, 50, 1])), undefined);
    });

    it('prints the SHA256 fingerprint as ssh-keygen -l does', () => {
      const out = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'a.pub')], { encoding: 'utf8' });
      assert.equal(fingerprint(a.blob), out.split(' ')[1]);
    });
  });
});

function checkLine(check: ReturnType<typeof checkHostKey>): number | undefined {
  return check.status === 'unknown' ? undefined : check.line;
}
