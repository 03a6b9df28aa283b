// Director pairs and health checks in the inventory: what a service with `directors`, `healthCheck` and `vrrp`
// resolves to, and every mistake that breaks VRRP or keepalived in practice, named by host or service and field.
import { strict as assert } from 'node:assert';
import { checkInventory } from '../../../src/inventory/load.ts';
import type { Inventory } from '../../../src/inventory/model.ts';
import { baseInventory, natPairInventory, pairInventory, problems } from './cases.ts';

function checked(input: unknown): Inventory {
  return checkInventory('inventory.ts', input);
}

const SERVICE = 'service tcp 192.168.10.100:80';

describe('inventory: director pairs and health checks', () => {
  it('gives a pair a VRRP instance: id 51, adverts every second, multicast', () => {
    const [service] = checked(pairInventory()).services;
    assert.deepEqual(service!.directors, ['lvs', 'lvs2']);
    assert.deepEqual(service!.failover, { virtualRouterId: 51, advertInterval: 1, unicast: false });
    assert.equal(service!.healthCheck, undefined);
  });

  it('keeps a single director as before: no failover', () => {
    const [service] = checked(baseInventory('dr')).services;
    assert.deepEqual(service!.directors, ['lvs']);
    assert.equal(service!.failover, undefined);
  });

  it('fills a health check with its defaults, and takes what is given', () => {
    const inv = baseInventory('dr');
    inv.services[0].healthCheck = { type: 'tcp' };
    assert.deepEqual(checked(inv).services[0]!.healthCheck, { type: 'tcp', interval: 5, timeout: 3, retries: 2, onFailure: 'remove' });
    inv.services[0].healthCheck = { type: 'http', path: '/health?x=1', status: 204, digest: 'd41d8cd98f00b204e9800998ecf8427e', interval: 2, timeout: 1, retries: 3, onFailure: 'weight0' };
    assert.deepEqual(checked(inv).services[0]!.healthCheck, {
      type: 'http',
      path: '/health?x=1',
      status: 204,
      digest: 'd41d8cd98f00b204e9800998ecf8427e',
      interval: 2,
      timeout: 1,
      retries: 3,
      onFailure: 'weight0',
    });
  });

  it('shares one instance between services with the same directors; another pair on the segment gets the next id', () => {
    const inv = pairInventory();
    inv.hosts.lvs3 = { ...structuredClone(inv.hosts.lvs), interfaces: { eth0: '192.168.10.83/24' } };
    inv.services.push({ ...structuredClone(inv.services[0]), port: 443 });
    inv.services.push({ ...structuredClone(inv.services[0]), vip: '192.168.10.101', directors: ['lvs3', 'lvs'] });
    const ids = checked(inv).services.map((s) => s.failover?.virtualRouterId);
    assert.deepEqual(ids, [51, 51, 52]);
  });

  it('takes a given id, and numbers the others around it', () => {
    const inv = pairInventory();
    inv.services[0].vrrp = { virtualRouterId: 51, advertInterval: 2, unicast: true };
    inv.hosts.lvs3 = { ...structuredClone(inv.hosts.lvs), interfaces: { eth0: '192.168.10.83/24' } };
    inv.services.push({ ...structuredClone(inv.services[0]), vip: '192.168.10.101', directors: ['lvs3', 'lvs'], vrrp: undefined });
    const [first, second] = checked(inv).services;
    assert.deepEqual(first!.failover, { virtualRouterId: 51, advertInterval: 2, unicast: true });
    assert.deepEqual(second!.failover, { virtualRouterId: 52, advertInterval: 1, unicast: false });
  });

  const bad: readonly { name: string; mutate: (inv: any) => void; expect: string[] }[] = [
    {
      name: 'both director and directors',
      mutate: (inv) => {
        inv.services[0].director = 'lvs';
      },
      expect: [`${SERVICE}, directors: and director are both given: name one director, or two or more directors`],
    },
    {
      name: 'a list of one director',
      mutate: (inv) => {
        inv.services[0].directors = ['lvs'];
      },
      expect: [`${SERVICE}, directors: names one host: give two or more, the first preferred (or director, for one)`],
    },
    {
      name: 'a director named twice',
      mutate: (inv) => {
        inv.services[0].directors = ['lvs', 'lvs'];
      },
      expect: [`${SERVICE}, directors: names 'lvs' twice`],
    },
    {
      name: 'a second director that is not a host',
      mutate: (inv) => {
        inv.services[0].directors = ['lvs', 'lvs9'];
      },
      expect: [`${SERVICE}, directors[1]: 'lvs9' is not a host in this inventory`],
    },
    {
      name: 'a second director on another segment',
      mutate: (inv) => {
        inv.hosts.lvs2.interfaces = { eth0: '192.168.20.82/24' };
        inv.hosts.lvs2.gateway = '192.168.20.1';
      },
      expect: [`${SERVICE}, directors[1]: lvs2's DIP 192.168.20.82 is not on 192.168.10.0/24, the subnet of lvs's DIP: VRRP moves the VIP only between directors on one segment`],
    },
    {
      name: 'a second director without the director role',
      mutate: (inv) => {
        inv.hosts.lvs2.roles = ['realserver-dr'];
      },
      expect: [`${SERVICE}, directors: host lvs2 has no director-nat or director-dr role`],
    },
    {
      name: 'a real server that is one of the directors',
      mutate: (inv) => {
        inv.hosts.lvs2.roles = ['director-dr', 'realserver-dr'];
        inv.services[0].realServers.push({ host: 'lvs2' });
      },
      expect: [`${SERVICE}, realServers[2].host: lvs2 is this service's director; a real server must be another host`],
    },
    {
      name: 'vrrp on a service with one director',
      mutate: (inv) => {
        inv.services[0].directors = undefined;
        inv.services[0].director = 'lvs';
        inv.services[0].vrrp = { virtualRouterId: 7 };
      },
      expect: [`${SERVICE}, vrrp: is for a service with two or more directors, whose VIP VRRP moves between them`],
    },
    {
      name: 'a virtual router id out of range, and an unknown vrrp field',
      mutate: (inv) => {
        inv.services[0].vrrp = { virtualRouterId: 256, priority: 100 };
      },
      expect: [
        `${SERVICE}, vrrp.priority: unknown field (known: virtualRouterId, advertInterval, unicast, gateway)`,
        `${SERVICE}, vrrp.virtualRouterId: must be a whole number from 1 to 255, got 256`,
      ],
    },
    {
      name: 'two pairs on one segment with the same id',
      mutate: (inv) => {
        inv.services[0].vrrp = { virtualRouterId: 60 };
        inv.hosts.lvs3 = { ...structuredClone(inv.hosts.lvs), interfaces: { eth0: '192.168.10.83/24' } };
        inv.services.push({ ...structuredClone(inv.services[0]), vip: '192.168.10.101', directors: ['lvs3', 'lvs'] });
      },
      expect: ['service tcp 192.168.10.101:80, vrrp.virtualRouterId: 60 is already the id of another VRRP instance on 192.168.10.0/24: each instance on a segment needs its own'],
    },
    {
      name: 'services of one pair that disagree on its instance',
      mutate: (inv) => {
        inv.services[0].vrrp = { advertInterval: 1 };
        inv.services.push({ ...structuredClone(inv.services[0]), port: 443, vrrp: { advertInterval: 3 } });
      },
      expect: [`service tcp 192.168.10.100:443, vrrp.advertInterval: differs from ${SERVICE}'s, which has the same directors and so the same VRRP instance`],
    },
    {
      name: 'a floating gateway on a DR pair',
      mutate: (inv) => {
        inv.services[0].vrrp = { gateway: '192.168.10.80' };
      },
      expect: [`${SERVICE}, vrrp.gateway: is for NAT pairs, whose real servers route replies through the director holding the VIP; a DR real server's replies go straight to the client`],
    },
    {
      name: 'a health check of an unknown type, and a tcp check given a path',
      mutate: (inv) => {
        inv.services[0].healthCheck = { type: 'ping' };
        inv.services.push({ ...structuredClone(inv.services[0]), port: 443, healthCheck: { type: 'tcp', path: '/' } });
      },
      expect: [`${SERVICE}, healthCheck.type: 'ping' is not one of tcp, http, https`, 'service tcp 192.168.10.100:443, healthCheck.path: is for http and https checks; a tcp check only connects'],
    },
    {
      name: 'an http check path that would break keepalived.conf, and a digest that is not MD5',
      mutate: (inv) => {
        inv.services[0].healthCheck = { type: 'http', path: '/x }\n    notify_up "/bin/sh -c reboot"', digest: 'abc' };
      },
      expect: [
        `${SERVICE}, healthCheck.path: '/x }\\n    notify_up "/bin/sh -c reboot"' must start with / and hold only URL characters (no space, quote, brace, # or !)`,
        `${SERVICE}, healthCheck.digest: 'abc' must be an MD5 in lowercase hex (32 characters), as genhash prints it`,
      ],
    },
    {
      name: 'check timings out of range',
      mutate: (inv) => {
        inv.services[0].healthCheck = { type: 'tcp', interval: 0, retries: 11, onFailure: 'drain' };
      },
      expect: [
        `${SERVICE}, healthCheck.interval: must be a whole number from 1 to 3600, got 0`,
        `${SERVICE}, healthCheck.retries: must be a whole number from 1 to 10, got 11`,
        `${SERVICE}, healthCheck.onFailure: 'drain' is not one of remove, weight0`,
      ],
    },
  ];

  it("gives a NAT pair its floating gateway, which the real servers route through; the VIP's instance outside has the same id", () => {
    const inv = natPairInventory();
    const [service] = checked(inv).services;
    assert.deepEqual(service!.failover, { virtualRouterId: 51, advertInterval: 1, unicast: false, gateway: '192.168.10.80' });
    // A DR pair on the outside segment must not take the NAT pair's id there.
    inv.hosts.lvs3 = { interfaces: { eth0: '172.16.10.83/24' }, roles: ['director-dr'] };
    inv.hosts.lvs4 = { interfaces: { eth0: '172.16.10.84/24' }, roles: ['director-dr'] };
    inv.hosts.rs3 = { interfaces: { eth0: '172.16.10.73/24' }, roles: ['realserver-dr'] };
    inv.services.push({ vip: '172.16.10.90', port: 80, directors: ['lvs3', 'lvs4'], realServers: [{ host: 'rs3' }] });
    assert.deepEqual(
      checked(inv).services.map((s) => s.failover?.virtualRouterId),
      [51, 52],
    );
  });

  const NAT_SERVICE = 'service tcp 172.16.10.80:80';
  const badNat: readonly { name: string; mutate: (inv: any) => void; expect: string[] }[] = [
    {
      name: 'a NAT pair without a floating gateway',
      mutate: (inv) => {
        inv.services[0].vrrp = undefined;
      },
      expect: [`${NAT_SERVICE}, vrrp.gateway: is required: the real servers of a NAT pair route replies through an inside address that VRRP moves with the VIP (on 192.168.10.0/24, no host's own)`],
    },
    {
      name: 'a floating gateway outside the DIP subnet',
      mutate: (inv) => {
        inv.services[0].vrrp.gateway = '172.16.10.90';
      },
      expect: [`${NAT_SERVICE}, vrrp.gateway: 172.16.10.90 is not on 192.168.10.0/24, the subnet of the directors' DIPs, where the real servers are`],
    },
    {
      name: "a floating gateway that is a director's DIP",
      mutate: (inv) => {
        inv.services[0].vrrp.gateway = '192.168.10.81';
      },
      expect: [`${NAT_SERVICE}, vrrp.gateway: 192.168.10.81 is host lvs's own address (interfaces.eth0): the gateway moves between the directors, so no host may have it`],
    },
    {
      name: 'a floating gateway on the broadcast address',
      mutate: (inv) => {
        inv.services[0].vrrp.gateway = '192.168.10.255';
      },
      expect: [`${NAT_SERVICE}, vrrp.gateway: 192.168.10.255 is the broadcast address of 192.168.10.0/24, which no gateway can have`],
    },
    {
      name: "a NAT pair's VIP that is a director's own address",
      mutate: (inv) => {
        inv.services[0].vip = '172.16.10.81';
      },
      expect: [
        "service tcp 172.16.10.81:80, vip: 172.16.10.81 is host lvs's own address (interfaces.eth1): VRRP moves a NAT pair's VIP between the directors' outside interfaces, so no host may have it",
      ],
    },
    {
      name: 'a second NAT director with no address outside',
      mutate: (inv) => {
        inv.hosts.lvs2.interfaces = { eth0: '192.168.10.82/24' };
      },
      expect: [`${NAT_SERVICE}, directors[1]: director lvs2 has no address on the subnet of 172.16.10.80: VRRP holds a NAT pair's VIP on each director's outside interface`],
    },
    {
      name: "a real server still routing through one director's DIP",
      mutate: (inv) => {
        inv.hosts.rs2.gateway = '192.168.10.81';
      },
      expect: [
        `host rs2, gateway: is 192.168.10.81, but NAT real server rs2 must route replies through 192.168.10.80, the gateway address directors lvs, lvs2 hold with the VIP (${NAT_SERVICE}'s vrrp.gateway)`,
      ],
    },
  ];

  for (const testCase of badNat) {
    it(`rejects ${testCase.name}`, () => {
      const inv = natPairInventory();
      testCase.mutate(inv);
      assert.deepEqual(problems(inv), testCase.expect);
    });
  }

  for (const testCase of bad) {
    it(`rejects ${testCase.name}`, () => {
      const inv = pairInventory();
      testCase.mutate(inv);
      assert.deepEqual(problems(inv), testCase.expect);
    });
  }
});
