// Director pairs and health checks in the inventory: what a service with `directors`, `healthCheck` and `vrrp`
// resolves to, and every mistake that breaks VRRP or keepalived in practice, named by host or service and field.
import { strict as assert } from 'node:assert';
import { checkInventory } from '../../../src/inventory/load.ts';
import type { Inventory } from '../../../src/inventory/model.ts';
import { baseInventory, pairInventory, problems } from './cases.ts';

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
      expect: [`${SERVICE}, vrrp.priority: unknown field (known: virtualRouterId, advertInterval, unicast)`, `${SERVICE}, vrrp.virtualRouterId: must be a whole number from 1 to 255, got 256`],
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
      name: 'a NAT service with two directors',
      mutate: (inv) => {
        Object.assign(inv, baseInventory('nat'));
        inv.hosts.lvs2 = { ...structuredClone(inv.hosts.lvs), interfaces: { eth0: '192.168.10.82/24', eth1: '172.16.10.82/24' }, dip: '192.168.10.82' };
        inv.services[0].director = undefined;
        inv.services[0].directors = ['lvs', 'lvs2'];
      },
      expect: [
        'service tcp 172.16.10.81:80, directors: name two or more directors of a NAT service: its real servers would need a floating gateway address, which lvsplay does not make yet; give it one director',
      ],
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

  for (const testCase of bad) {
    it(`rejects ${testCase.name}`, () => {
      const inv = pairInventory();
      testCase.mutate(inv);
      assert.deepEqual(problems(inv), testCase.expect);
    });
  }
});
