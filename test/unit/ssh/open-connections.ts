/** The connections a test suite opened, closed after each test even when it fails, and the refusals it expects. */
import { strict as assert } from 'node:assert';
import type { HostConnection } from '../../../src/ssh/connection.ts';
import { ConnectError, type ConnectFailure } from '../../../src/ssh/errors.ts';

export class OpenConnections {
  private readonly open: HostConnection[] = [];

  /** Awaits a connection and keeps it for closeAll(). */
  readonly opened = async (promise: Promise<HostConnection>): Promise<HostConnection> => {
    const connection = await promise;
    this.open.push(connection);
    return connection;
  };

  /** Expects `promise` to fail with a ConnectError for `reason`, with no stack trace in its message; returns it. */
  readonly refusal = async (promise: Promise<unknown>, reason: ConnectFailure): Promise<ConnectError> => {
    const error = await promise.then(
      (value) => {
        if (value && typeof (value as HostConnection).close === 'function') this.open.push(value as HostConnection);
        throw new assert.AssertionError({ message: `expected a ConnectError (${reason}), got success` });
      },
      (error: unknown) => error,
    );
    assert.ok(error instanceof ConnectError, `not a ConnectError: ${(error as Error)?.stack}`);
    assert.equal(error.reason, reason, error.message);
    assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace in the message');
    return error;
  };

  add(...connections: HostConnection[]): void {
    this.open.push(...connections);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((connection) => connection.close()));
  }
}
