/** What resolving a host through the OpenSSH client config yields, and where each value came from. */

/** Where a value was obtained: a config file's line, or OpenSSH's default when no line set it. */
export type Origin = { readonly kind: 'file'; readonly path: string; readonly line: number } | { readonly kind: 'default' };

export interface Setting<T> {
  readonly value: T;
  readonly origin: Origin;
}

export const DEFAULT_ORIGIN: Origin = { kind: 'default' };

/** `/home/me/.ssh/config:12`, or `default`: for messages that say where a value came from. */
export function formatOrigin(origin: Origin): string {
  return origin.kind === 'file' ? `${origin.path}:${origin.line}` : 'default';
}

/** One hop of a ProxyJump chain; user and port only when the ProxyJump text names them. */
export interface JumpHop {
  readonly user?: string;
  /** An alias, resolved through the config in its turn (as `ssh -J` does), or an address. */
  readonly host: string;
  readonly port?: number;
}

/**
 * How the target is reached. `jump` hops are in connection order: the first is dialled directly, each
 * next one through the previous, the target through the last. `command` is ProxyCommand's text as
 * written: its %h/%p/%r/%n tokens are not expanded (ssh expands them only when it runs the command).
 */
export type ProxyRoute = { readonly kind: 'direct' } | { readonly kind: 'jump'; readonly hops: readonly JumpHop[] } | { readonly kind: 'command'; readonly command: string };

export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new' | 'ask';

/** A config file to read, and how OpenSSH treats it. */
export interface SshConfigFile {
  readonly path: string;
  /**
   * `user`: a relative Include is under ~/.ssh and `~` is allowed in it; `system`: relative to
   * /etc/ssh and `~` is refused, as OpenSSH does for /etc/ssh/ssh_config.
   */
  readonly scope: 'user' | 'system';
  /** A missing file is an error (ssh -F FILE) rather than an empty config (~/.ssh/config). */
  readonly required: boolean;
  /** Refuse the file when another user owns it or group/others may write it (as ssh does for ~/.ssh/config). */
  readonly checkPermissions: boolean;
}

export interface ResolvedSshConfig {
  readonly alias: string;
  /** HostName with %h expanded, lowercased unless it is an address (as ssh does); the alias by default. */
  readonly hostName: Setting<string>;
  /** The local user by default (origin 'default'). */
  readonly user: Setting<string>;
  readonly port: Setting<number>;
  /**
   * IdentityFile lines in the order obtained, `~`, %-tokens and ${VAR} expanded, duplicates and `none`
   * left out. Empty when the config names none (ssh would then try its default key files).
   */
  readonly identityFiles: readonly Setting<string>[];
  readonly proxy: Setting<ProxyRoute>;
  readonly identitiesOnly?: Setting<boolean>;
  /** Expanded paths; [] for `UserKnownHostsFile none`; absent when the config sets none. */
  readonly userKnownHostsFiles?: Setting<readonly string[]>;
  readonly strictHostKeyChecking?: Setting<StrictHostKeyChecking>;
  /** Lowercased, as ssh uses it. */
  readonly hostKeyAlias?: Setting<string>;
  /** Seconds. */
  readonly connectTimeout?: Setting<number>;
  /** Seconds; 0 turns keepalives off. */
  readonly serverAliveInterval?: Setting<number>;
  readonly serverAliveCountMax?: Setting<number>;
  /** What the operator should hear: a Match exec not run, an unknown keyword ignored. */
  readonly warnings: readonly string[];
  /** Every file read, in order, Includes among them. */
  readonly filesRead: readonly string[];
}
