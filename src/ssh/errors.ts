/**
 * The SSH stage's errors (a connection's ConnectError; CredentialError for keys found unusable before
 * any connection), and the translation of ssh2/node-ssh/socket errors into reasons an operator can
 * act on. The original error is not kept as `cause`: printing one would print an ssh2
 * stack trace, and everything it says that matters is in the message.
 */
import { formatIssue, type Issue } from '../inventory/issues.ts';

export type ConnectFailure =
  | 'dns'
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'closed'
  | 'auth'
  | 'private-key'
  | 'host-key-unknown'
  | 'host-key-mismatch'
  | 'host-key-revoked'
  | 'known-hosts'
  | 'forwarding-refused'
  | 'protocol'
  | 'connection-lost'
  | 'command-timeout';

export class ConnectError extends Error {
  override readonly name = 'ConnectError';

  constructor(
    /** The host's name in the inventory (or the address it was reached at, when no name was given). */
    readonly host: string,
    /** `address:port` as dialled. */
    readonly address: string,
    readonly reason: ConnectFailure,
    /** The operator's sentence, without the host: "connection refused on port 22 ...". */
    readonly detail: string,
    /**
     * Set when the failure is a bastion's on the way to the host (`deploy@192.168.10.90:22`): its host
     * key, its credentials, or its refusal to open the next hop.
     */
    readonly bastion?: string,
  ) {
    const where = address.startsWith(`${host}:`) || address.startsWith(`[${host}]:`) ? address : `${host} (${address})`;
    super(bastion === undefined ? `${where}: ${detail}` : `${where}: through bastion ${bastion}: ${detail}`);
  }
}

/** What a failure message needs to know about the attempt. */
export interface FailureContext {
  readonly port: number;
  readonly user: string;
  readonly connectTimeoutMs: number;
  /** Labels of the credentials offered, in order. */
  readonly authTried: readonly string[];
  /** What was left out and why ("~/.ssh/id_ed25519 skipped: it is passphrase-protected"). */
  readonly authNotes?: readonly string[];
  /** The methods the server said it accepts, once it has refused one. */
  readonly serverMethods?: readonly string[];
}

interface LowLevelError {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly level?: unknown;
}

/** Reason and sentence for an error from connecting (ssh2 sets `level`, sockets set `code`). */
export function describeConnectFailure(error: unknown, context: FailureContext): { reason: ConnectFailure; detail: string } {
  const { message: rawMessage, code, level } = (typeof error === 'object' && error !== null ? error : {}) as LowLevelError;
  const message = typeof rawMessage === 'string' ? rawMessage : String(error);
  // ssh2's word for a peer that closed before any SSH banner, and node-ssh's for a socket closed
  // before 'ready' (which it gives code ETIMEDOUT, wrongly).
  if (message === 'Connection lost before handshake' || message === 'No response from server') {
    return { reason: 'closed', detail: 'the server closed the connection before the SSH handshake finished: not an SSH server on this port, or sshd dropped this client (MaxStartups, TCP wrappers)' };
  }
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
      return { reason: 'dns', detail: `cannot resolve the host name (DNS: ${code})` };
    case 'EAI_AGAIN':
      return { reason: 'dns', detail: 'DNS lookup failed for now (EAI_AGAIN): the resolver did not answer' };
    case 'ECONNREFUSED':
      return { reason: 'refused', detail: `connection refused on port ${context.port}: no SSH server listens there, or a firewall rejects it` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return { reason: 'unreachable', detail: `host unreachable (${code}): no route to it` };
    case 'ETIMEDOUT':
      return { reason: 'timeout', detail: 'TCP connection timed out: the host is down or a firewall drops the packets' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: 'closed', detail: `the connection was reset during the SSH handshake (${code})` };
  }
  switch (level) {
    case 'client-dns':
      return { reason: 'dns', detail: `cannot resolve the host name (${message})` };
    case 'client-timeout':
      return { reason: 'timeout', detail: `timed out after ${context.connectTimeoutMs} ms before the SSH session was ready: host down, packets dropped, or sshd overloaded` };
    case 'client-authentication':
    case 'agent':
      return { reason: 'auth', detail: authFailure(context, level === 'agent' ? message : undefined) };
    case 'handshake':
    case 'protocol':
      return { reason: 'protocol', detail: `SSH handshake failed: ${message}` };
  }
  return { reason: 'protocol', detail: `SSH protocol error: ${message}` };
}

function authFailure(context: FailureContext, agentProblem: string | undefined): string {
  const tried = context.authTried.length > 0 ? context.authTried.join(', ') : 'nothing';
  const accepts = context.serverMethods ? `; the server accepts: ${context.serverMethods.join(', ') || 'nothing'}` : '';
  const agent = agentProblem ? `; ssh-agent: ${agentProblem}` : '';
  const notes = (context.authNotes ?? []).map((note) => `; ${note}`).join('');
  return `authentication failed for user ${context.user} (tried ${tried}${accepts}${agent}${notes})`;
}

/** Some selected hosts have no usable credentials; found before any host was connected to. */
export class CredentialError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    const hosts = `${issues.length} host${issues.length === 1 ? '' : 's'}`;
    super(`cannot authenticate to ${hosts}; no host was connected to\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'CredentialError';
  }
}
