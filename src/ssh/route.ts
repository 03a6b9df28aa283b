/**
 * How a host is reached: directly, or through a chain of bastions (OpenSSH's ProxyJump), each hop
 * tunnelled through the one before it. src/ssh/reach.ts makes a host's route.
 */
import type { SshTarget } from '../inventory/model.ts';

/** A bastion on the way to a target: reached, and its host key checked, as a target is. */
export type JumpHost = SshTarget;

export interface SshRoute {
  readonly target: SshTarget;
  /** In the order they are dialled: the first is the bastion nearest to us, the last opens the target's socket. */
  readonly jumps: readonly JumpHost[];
}

export function directRoute(target: SshTarget): SshRoute {
  return { target, jumps: [] };
}

export function isRoute(to: SshTarget | SshRoute): to is SshRoute {
  return 'target' in to && 'jumps' in to;
}

/** A bastion as messages name it: `deploy@192.168.10.90:22`. */
export function jumpLabel(jump: JumpHost): string {
  return `${jump.user}@${formatAddress(jump.host, jump.port)}`;
}

/** `host:port`, with IPv6 literals bracketed. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
