import { directorStatusScript, parseDirectorStatus } from '../facts/director-status.ts';
import type { Dial } from '../run/host-run.ts';
import type { Host } from '../inventory/model.ts';
import type { BastionPool } from '../ssh/bastions.ts';
import { elevationOf, type BecomeOptions } from '../ssh/become.ts';
import { ConnectError, type ConnectOptions, type HostConnection } from '../ssh/connection.ts';
import { runRemoteScript } from '../ssh/remote-script.ts';
import type { SshRoute } from '../ssh/route.ts';
import type { TcpTarget } from '../facts/tcp-check.ts';
import { directorView, type DirectorWants } from './drift.ts';
import type { DirectorView } from './view.ts';

/** A director watched by `status`: its connection is opened on the first read and kept for the next ones. */
export class DirectorReader {
  private connection?: HostConnection;

  constructor(
    readonly host: Host,
    private readonly wants: DirectorWants,
    private readonly options: {
      readonly route: SshRoute;
      readonly ssh: ConnectOptions;
      readonly become: BecomeOptions;
      readonly commandTimeoutSeconds: number;
      readonly dial: Dial;
      readonly bastions?: BastionPool;
    },
  ) {}

  /** One round trip: the status script, parsed and set against the inventory; never throws. */
  async read(): Promise<DirectorView> {
    const name = this.host.name;
    try {
      this.connection ??= await this.options.dial(this.options.route, this.options.ssh, name, this.options.bastions);
    } catch (error) {
      return { host: name, state: 'unreachable', error: error instanceof ConnectError ? error.message : String(error) };
    }
    const seconds = this.options.commandTimeoutSeconds;
    try {
      const script = directorStatusScript(targetsOf(this.wants), { vrrp: this.wants.keepalived?.vrrp !== undefined });
      const result = await runRemoteScript(this.connection, script, seconds, elevationOf(this.host.become, this.options.become));
      if (result.timedOut) return { host: name, state: 'failed', error: `the status script ran longer than ${seconds} s and was stopped` };
      if (result.code !== 0) return { host: name, state: 'failed', error: `the status script failed (exit ${result.code}): ${result.stderr.trim() || 'no output'}` };
      return directorView(this.wants, parseDirectorStatus(result.stdout));
    } catch (error) {
      if (!(error instanceof ConnectError)) return { host: name, state: 'failed', error: (error as Error).message };
      // A lost connection is dialled again on the next read (with --watch).
      await this.close();
      return { host: name, state: 'unreachable', error: error.message };
    }
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }
}

/** The inventory's TCP real servers of this director, keepalived's too, checked even when they are not live. */
function targetsOf(wants: DirectorWants): TcpTarget[] {
  return [...wants.table, ...(wants.keepalived?.table ?? [])].filter((s) => s.protocol === 'tcp').flatMap((s) => s.destinations.map((d) => ({ address: d.address, port: d.port })));
}
