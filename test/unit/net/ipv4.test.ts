import { strict as assert } from 'node:assert';
import { parseCidr, parseIPv4, specialRangeOf, subnetEdgeOf, type Cidr, type IPv4 } from '../../../src/net/ipv4.ts';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  assert.ok(parsed.ok, text);
  return parsed.value;
}

describe('IPv4 addresses and subnets', () => {
  it('takes four decimal parts only, not the inet_aton short, octal or hex forms', () => {
    assert.deepEqual(parseIPv4('192.168.10.71'), { ok: true, value: '192.168.10.71' });
    for (const text of ['127.1', '10', '0x7f.0.0.1', '0177.0.0.1', '192.168.10.256', '1.2.3.4 ', '']) {
      assert.deepEqual(parseIPv4(text), { ok: false, reason: 'is not an IPv4 address' }, text);
    }
    assert.deepEqual(parseIPv4('fe80::1'), { ok: false, reason: 'is IPv6, which lvsplay does not manage yet' });
  });

  it('reads a prefix length from the minimum given to 32, and says what is wrong otherwise', () => {
    assert.deepEqual(parseCidr('10.0.0.1/0'), { ok: true, value: { address: '10.0.0.1', prefix: 0 } });
    assert.deepEqual(parseCidr('10.0.0.1/7', 8), { ok: false, reason: 'has prefix length 7; it must be 8 to 32' });
    assert.deepEqual(parseCidr('10.0.0.1/33', 8), { ok: false, reason: 'has prefix length 33; it must be 8 to 32' });
    assert.deepEqual(parseCidr('10.0.0.1'), { ok: false, reason: 'has no prefix length (write it as 10.0.0.1/24)' });
    assert.deepEqual(parseCidr('fe80::1/64'), { ok: false, reason: 'is IPv6, which lvsplay does not manage yet' });
    for (const text of ['10.0.0.1/', '10.0.0.1/24/24', '10.0.0.1/x', '10.0.0.1/1234', 'x/24', '/24']) {
      assert.deepEqual(parseCidr(text), { ok: false, reason: 'is not an IPv4 address with a prefix length, like 192.168.10.71/24' }, text);
    }
  });

  it('names the ranges no host, gateway or VIP can use, and leaves private and test networks alone', () => {
    const kindOf = (address: string) => specialRangeOf(address as IPv4)?.kind;
    assert.equal(kindOf('0.0.0.0'), 'unspecified');
    assert.equal(kindOf('0.255.0.1'), 'unspecified');
    assert.equal(kindOf('127.8.9.10'), 'loopback');
    assert.equal(kindOf('169.254.0.1'), 'link-local');
    assert.equal(kindOf('239.255.255.250'), 'multicast');
    assert.equal(kindOf('255.255.255.255'), 'broadcast');
    assert.equal(kindOf('250.1.2.3'), 'reserved');
    for (const address of ['10.0.0.1', '172.16.10.81', '192.168.10.100', '192.0.2.1', '198.51.100.7', '203.0.113.9', '100.64.0.1', '223.255.255.254']) {
      assert.equal(kindOf(address), undefined, address);
    }
  });

  it("finds a subnet's network and broadcast address, which /31 and /32 do not have", () => {
    const edge = (address: string, subnet: string) => subnetEdgeOf(address as IPv4, cidr(subnet));
    assert.equal(edge('192.168.10.0', '192.168.10.71/24'), 'network');
    assert.equal(edge('192.168.10.255', '192.168.10.71/24'), 'broadcast');
    assert.equal(edge('192.168.10.1', '192.168.10.71/24'), undefined);
    assert.equal(edge('10.0.0.4', '10.0.0.5/30'), 'network');
    assert.equal(edge('10.0.0.7', '10.0.0.5/30'), 'broadcast');
    assert.equal(edge('10.0.0.0', '10.0.0.1/31'), undefined);
    assert.equal(edge('10.0.0.1', '10.0.0.1/32'), undefined);
    assert.equal(edge('192.168.11.0', '192.168.10.71/24'), undefined, 'another subnet');
  });
});
