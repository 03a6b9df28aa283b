/**
 * A host whose state a test sets, for `run --check`: a real sshd on 127.0.0.1 (sshd-fixture.ts) whose
 * every session runs in a network namespace of its own, set up by `setup` first (a default route, say).
 * The facts then read that namespace's routes and sysctls, not this machine's, and nothing set there
 * outlives the session or leaves it: it has only a loopback interface.
 */
import { startSshd, type TestSshd } from '../ssh/sshd-fixture.ts';

export function startNetnsHost(setup = 'true'): Promise<TestSshd> {
  if (setup.includes("'")) throw new Error('a netns host setup is quoted in single quotes: it cannot hold one');
  // --map-root-user: the session is root in its namespace, as lvsplay expects, whoever runs the tests.
  // A new namespace inherits this machine's IPv4 settings (net.core.devconf_inherit_init_net=0): forwarding
  // is set off here, so a test's host starts the same on every machine.
  const session = `exec unshare --map-root-user --net /bin/sh -c 'ip link set lo up && sysctl -qw net.ipv4.ip_forward=0 && ${setup} && exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"'`;
  return startSshd({ config: [`ForceCommand ${session}`] });
}

/** `{ host, port, user, privateKey }` for an inventory's `ssh`, reaching this sshd. */
export function sshTarget(sshd: TestSshd): string {
  return `{ host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, privateKey: ${sshd.clientKey} }`;
}
