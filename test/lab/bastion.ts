// A lab reached the way production is (issue 13): only the bastion VM has a management NIC, and every other
// VM is reached over the lab's own segments through it. The shared image is left as every topology boots it;
// what this lab needs beyond it is applied over ssh once the VMs are up (setupScript), and kept on the VMs'
// disks across reboots:
// - every VM: a `deploy` user holding the lab key, and an ed25519 host key of its own (no two VMs share one,
//   so a client checking a target against the bastion's key fails, as it would in production);
// - the hosts lvsplay manages: sshd refuses root on port 22 (PermitRootLogin no) and lets root in with the
//   lab key on HARNESS_SSH_PORT only, the lab's own way in for its checks; `deploy` may sudo, without a
//   password except on the topology's passwordSudo hosts;
// - the bastion relays the lab's package repository (repo.ts) to the VMs behind it, which have no guestfwd.
import { shq } from './image.ts';
import { REPO_ADDRESS } from './repo.ts';
import type { SshRoute } from './ssh.ts';
import { isManaged, type BastionSpec, type Topology } from './topologies.ts';

export const DEPLOY_USER = 'deploy';
/** `deploy`'s password on every VM of a bastion lab: what sudo asks for on the passwordSudo hosts. */
export const DEPLOY_PASSWORD = 'lab-deploy-Sudo-13';
/** Where the lab itself logs in as root on a managed host; port 22, lvsplay's, refuses root. */
export const HARNESS_SSH_PORT = 2222;
/** The bastion's port that relays the package repository to the VMs behind it. */
export const REPO_RELAY_PORT = 8080;

/** How the bastion reaches a VM: over `segment`, at `address`, from `parent` (the bastion itself, or a VM nearer it). */
export interface Hop {
  host: string;
  /** The VM this one is dialled from; undefined for the bastion. */
  parent: string | undefined;
  /** The VM's address (no prefix length) on the segment it shares with its parent. */
  address: string;
  /** Hops from the bastion: 0 for the bastion, 1 for the VMs beside it. */
  depth: number;
}

/** Each VM's hop from the bastion, nearest first (breadth first over shared segments). */
export function hopsFrom(topology: Topology, bastion: string): Map<string, Hop> {
  if (!topology.vms[bastion]) throw new Error(`bastion "${bastion}" is not a VM of the topology`);
  const hops = new Map<string, Hop>([[bastion, { host: bastion, parent: undefined, address: '127.0.0.1', depth: 0 }]]);
  const queue = [bastion];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    const from = hops.get(current)!;
    for (const { segment } of topology.vms[current]!.nics) {
      for (const [host, spec] of Object.entries(topology.vms)) {
        const nic = spec.nics.find((n) => n.segment === segment);
        if (hops.has(host) || !nic) continue;
        hops.set(host, { host, parent: current, address: nic.address.split('/')[0]!, depth: from.depth + 1 });
        queue.push(host);
      }
    }
  }
  const unreachable = Object.keys(topology.vms).filter((host) => !hops.has(host));
  if (unreachable.length > 0) throw new Error(`${unreachable.join(', ')} share no segment with the bastion "${bastion}" nor with a VM behind it`);
  return hops;
}

/** The VMs in groups by hops from the bastion, nearest first: a group waits on the one before it. */
export function byDepth(hops: ReadonlyMap<string, Hop>): string[][] {
  const groups: string[][] = [];
  for (const hop of hops.values()) (groups[hop.depth] ??= []).push(hop.host);
  return groups;
}

/** Who logs in where, and on which port, along a route through the bastion. */
export interface RouteUser {
  user: string;
  /** The port of a VM behind the bastion (the bastion's own is its forwarded one). */
  port: (host: string) => number;
}

/** Before setup every sshd is the image's: root with the lab key on port 22. */
export const IMAGE_ROOT: RouteUser = { user: 'root', port: () => 22 };
/** After setup, the lab's own way in: root on HARNESS_SSH_PORT where port 22 refuses root. */
export const HARNESS_ROOT: RouteUser = { user: 'root', port: (host) => (isManaged(host) ? HARNESS_SSH_PORT : 22) };
/** What lvsplay's operator does: `deploy` on port 22 everywhere. */
export const OPERATOR: RouteUser = { user: DEPLOY_USER, port: () => 22 };

/** A route to `host` hop by hop from the bastion, whose sshd is at 127.0.0.1:`bastionPort`. */
export function routeTo(hops: ReadonlyMap<string, Hop>, host: string, bastionPort: number, who: RouteUser, privateKey: string): SshRoute {
  const hop = hops.get(host);
  if (!hop) throw new Error(`no route to "${host}" through the bastion`);
  if (hop.parent === undefined) return { host: '127.0.0.1', port: bastionPort, user: who.user, privateKey };
  return { host: hop.address, port: who.port(host), user: who.user, privateKey, via: routeTo(hops, hop.parent, bastionPort, who, privateKey) };
}

export interface GuestSetup {
  host: string;
  bastion: BastionSpec;
  /** The lab's public key (one line), for deploy's authorized_keys. */
  publicKey: string;
  /** The bastion's address on the segment this VM shares with it; undefined if the VM is further away. */
  bastionAddress: string | undefined;
}

/** sshd's lab.conf for this VM, replacing the image's (guest/sshd-lab.conf). */
export function sshdConfig(setup: GuestSetup): string {
  const common = ['HostKey /etc/ssh/ssh_host_ed25519_key', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UseDNS no'];
  if (isManaged(setup.host)) {
    return [
      '# A host lvsplay manages behind the bastion (test/lab/bastion.ts): no root on port 22; root with the lab',
      "# key on the lab's own port only.",
      'Port 22',
      `Port ${HARNESS_SSH_PORT}`,
      ...common,
      'PermitRootLogin no',
      `Match LocalPort ${HARNESS_SSH_PORT}`,
      '  PermitRootLogin prohibit-password',
      '',
    ].join('\n');
  }
  return [
    `# The ${setup.host === setup.bastion.host ? 'bastion' : "tests' vantage point"} of a bastion lab (test/lab/bastion.ts): root with the lab key.`,
    ...common,
    'PermitRootLogin prohibit-password',
    // Every command the lab runs behind the bastion opens its own connection to it: more than sshd's
    // default 10 unauthenticated at once would be dropped at random.
    ...(setup.host === setup.bastion.host ? ['MaxStartups 100:30:200'] : []),
    '',
  ].join('\n');
}

/** The unit on the bastion joining each connection to its REPO_RELAY_PORT to the repository's guestfwd. */
const RELAY_UNIT = [
  '[Unit]',
  'Description=Lab package repository for the VMs behind the bastion (test/lab/bastion.ts)',
  'After=lab-net.service',
  '',
  '[Service]',
  `ExecStart=/bin/busybox nc -ll -p ${REPO_RELAY_PORT} -e /bin/busybox nc ${REPO_ADDRESS} 80`,
  'Restart=always',
  '',
  '[Install]',
  'WantedBy=multi-user.target',
  '',
].join('\n');

/**
 * Run as root with `sh -eu` on the VM (on stdin: the password is in no command line). Prints the VM's new
 * host public key last, then reloads sshd (the session running this survives it): from then on a managed
 * host refuses root on port 22, so setUpGuests runs it on the VMs routed through this one first.
 */
export function setupScript(setup: GuestSetup): string {
  const { host, bastion } = setup;
  const sudoers = bastion.passwordSudo.includes(host) ? `${DEPLOY_USER} ALL=(ALL:ALL) ALL` : `${DEPLOY_USER} ALL=(ALL:ALL) NOPASSWD: ALL`;
  const home = `/home/${DEPLOY_USER}`;
  return [
    `id ${DEPLOY_USER} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ${DEPLOY_USER}`,
    `printf '%s\\n' ${shq(`${DEPLOY_USER}:${DEPLOY_PASSWORD}`)} | chpasswd`,
    `install -d -m 0700 -o ${DEPLOY_USER} -g ${DEPLOY_USER} ${home}/.ssh`,
    `printf '%s\\n' ${shq(setup.publicKey.trim())} > ${home}/.ssh/authorized_keys`,
    `chown ${DEPLOY_USER}:${DEPLOY_USER} ${home}/.ssh/authorized_keys && chmod 0600 ${home}/.ssh/authorized_keys`,
    ...(isManaged(host) ? [`printf '%s\\n' ${shq(sudoers)} > /etc/sudoers.d/lab-deploy`, 'chmod 0440 /etc/sudoers.d/lab-deploy', 'visudo -q -c -f /etc/sudoers.d/lab-deploy'] : []),
    ...(host === bastion.host
      ? [`printf '%s' ${shq(RELAY_UNIT)} > /etc/systemd/system/lab-repo-relay.service`, 'systemctl daemon-reload', 'systemctl enable --now --quiet lab-repo-relay.service']
      : setup.bastionAddress
        ? [`printf '%s\\n' ${shq(`deb [trusted=yes] http://${setup.bastionAddress}:${REPO_RELAY_PORT}/ ./`)} > /etc/apt/sources.list`]
        : []),
    'rm -f /etc/ssh/ssh_host_*',
    `ssh-keygen -q -t ed25519 -N '' -C ${shq(host)} -f /etc/ssh/ssh_host_ed25519_key`,
    `printf '%s' ${shq(sshdConfig(setup))} > /etc/ssh/sshd_config.d/lab.conf`,
    'sshd -t',
    'cat /etc/ssh/ssh_host_ed25519_key.pub',
    'systemctl reload ssh.service',
    '',
  ].join('\n');
}

/** `ssh-ed25519 AAAA…` from the last line setupScript prints (the key's comment dropped). */
export function hostKeyOf(host: string, output: string): string {
  const line = output.trim().split('\n').pop() ?? '';
  const [type, key] = line.split(/\s+/);
  if (type !== 'ssh-ed25519' || !key) throw new Error(`${host}: setup printed no ed25519 host key (last line: ${line || 'none'})`);
  return `${type} ${key}`;
}

/** Runs a command as root on a VM of the lab, with `input` on stdin. */
export type RootShell = (host: string, command: string, input?: string) => Promise<{ stdout: string; stderr: string; code: number | null }>;

/**
 * setupScript on every VM, farthest from the bastion first, a turn at a time: a VM's setup replaces its host
 * key and reloads its sshd, and the routes to the VMs beyond it go through that sshd, so those are done by
 * then. The VMs of one turn reach each other through none of themselves, so each turn runs at once.
 * Returns each VM's new host key.
 */
export async function setUpGuests(topology: Topology, hops: ReadonlyMap<string, Hop>, publicKey: string, root: RootShell): Promise<Record<string, string>> {
  const bastion = topology.bastion!;
  const bastionNics = topology.vms[bastion.host]!.nics;
  const bastionAddressFor = (host: string): string | undefined => bastionNics.find((own) => topology.vms[host]!.nics.some((n) => n.segment === own.segment))?.address.split('/')[0];
  const keys: Record<string, string> = {};
  for (const turn of byDepth(hops).reverse()) {
    await Promise.all(
      turn.map(async (host) => {
        const setup = { host, bastion, publicKey, bastionAddress: host === bastion.host ? undefined : bastionAddressFor(host) };
        const result = await root(host, 'sh -eu', setupScript(setup));
        if (result.code !== 0) throw new Error(`bastion lab: setting up ${host} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
        keys[host] = hostKeyOf(host, result.stdout);
      }),
    );
  }
  return keys;
}
