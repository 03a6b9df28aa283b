/**
 * One command on an open connection, on ssh2's channel directly rather than node-ssh's execCommand:
 * execCommand decodes each chunk on its own (a UTF-8 character split across two chunks turns into
 * U+FFFD), trims output by default, and resolves with `code: null` when the connection drops mid-way.
 */
import { constants } from 'node:os';
import type { ConnectError, ConnectFailure } from './errors.ts';
import { sendSignal, type Ssh2Channel, type Ssh2Client } from './ssh2.ts';

export interface ExecResult {
  /** The exit status; for a command killed by a signal, 128 + the signal's number, as a shell reports it. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the command was killed by a signal, e.g. 'SIGTERM'. */
  readonly signal?: string;
}

export interface RunOptions {
  readonly stdin?: string;
  readonly timeoutMs: number;
  readonly fail: (reason: ConnectFailure, detail: string) => ConnectError;
  /** Why the connection is gone, if it is: turns a silently closed channel into a clear error. */
  readonly lost: () => string | undefined;
}

interface Exit {
  readonly code: number | null;
  readonly signal?: string;
}

export function runCommand(client: Ssh2Client, command: string, options: RunOptions): Promise<ExecResult> {
  const { timeoutMs, fail, lost } = options;
  return new Promise((resolve, reject) => {
    let channel: Ssh2Channel | undefined;
    let settled = false;
    const settle = (outcome: ExecResult | ConnectError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    // setTimeout fires at once past 2^31-1 ms; a time-out that long is no time-out anyway.
    const timer = setTimeout(
      () => {
        if (channel) {
          // KILL reaches the process sshd started only where sshd honours signal requests (OpenSSH
          // 9.2 refuses them on root sessions). Closing the channel frees our side; sshd then closes
          // the command's pipes, which stops it only when it next writes (SIGPIPE): one that just
          // waits runs on until it ends, holding one of sshd's MaxSessions slots meanwhile.
          sendSignal(channel, 'KILL');
          channel.close();
        }
        settle(fail('command-timeout', `command timed out after ${timeoutMs} ms and was stopped (${firstLine(command)})`));
      },
      Math.min(timeoutMs, 2 ** 31 - 1),
    );

    const onOpen = (error: Error | undefined, opened: Ssh2Channel): void => {
      if (error) {
        settle(openFailure(error, options));
        return;
      }
      // Timed out while the channel was being opened.
      if (settled) {
        opened.close();
        return;
      }
      channel = opened;
      collect(opened, options.stdin, (exit, stdout, stderr) => {
        if (exit) return settle(result(exit, stdout, stderr));
        const why = lost();
        settle(why ? fail('connection-lost', `connection lost while a command ran: ${why}`) : fail('protocol', 'the command ended without an exit status'));
      });
    };
    try {
      client.exec(command, onOpen);
    } catch (error) {
      // ssh2 throws "Not connected" synchronously when the socket is already gone.
      settle(fail('connection-lost', `connection lost: ${lost() ?? (error as Error).message}`));
    }
  });
}

function collect(channel: Ssh2Channel, stdin: string | undefined, done: (exit: Exit | undefined, stdout: string, stderr: string) => void): void {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let exit: Exit | undefined;
  channel.on('data', (chunk: Buffer) => stdout.push(chunk));
  channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  // ssh2: ('exit', code) for exit-status, ('exit', null, 'SIGTERM', coreDumped, message) for exit-signal.
  channel.on('exit', (code: number | null, signal?: string) => {
    exit = signal ? { code, signal } : { code };
  });
  // A write after the far end closed errors; the 'close' that follows reports what happened.
  channel.on('error', () => undefined);
  channel.on('close', () => done(exit, Buffer.concat(stdout).toString('utf8'), Buffer.concat(stderr).toString('utf8')));
  // EOF right after stdin (or at once): a command reading stdin must not wait for more.
  if (stdin === undefined) channel.end();
  else channel.end(stdin);
}

function result(exit: Exit, stdout: string, stderr: string): ExecResult {
  if (exit.code !== null) return { code: exit.code, stdout, stderr };
  const signal = exit.signal ?? 'SIGUNKNOWN';
  const number = (constants.signals as Record<string, number | undefined>)[signal];
  return { code: number === undefined ? 255 : 128 + number, stdout, stderr, signal };
}

function openFailure(error: Error, options: RunOptions): ConnectError {
  const why = options.lost();
  if (why) return options.fail('connection-lost', `connection lost: ${why}`);
  return options.fail('protocol', `the server refused a session channel: ${error.message}`);
}

/** A short name for a command in messages: scripts are long, their first line says what they are. */
function firstLine(command: string): string {
  const line = command.trimStart().split('\n', 1)[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
