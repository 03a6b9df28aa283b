/**
 * A throwaway local user for the become tests: made with useradd, a random password (for password sudo),
 * the sshd fixture's client key in its authorized_keys, and sudo rules in a drop-in of /etc/sudoers.d
 * that `visudo -cf` has checked first. remove() takes all of it away (its processes, sudo's records of it
 * included); a user left by a test run that died is removed by the next one.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'lvsbecome';
const NAME = new RegExp(`^(${PREFIX}-(\\d+)-\\d+):`, 'gm');
const SUDOERS_D = '/etc/sudoers.d';

export interface SudoUser {
  readonly name: string;
  readonly home: string;
  /** Random, never used before: a test that finds it somewhere found a leak. */
  readonly password: string;
  /** Replaces the user's sudo rules (sudoers lines); none: the user is in no sudoers file. */
  setSudoers(lines: readonly string[]): Promise<void>;
  remove(): Promise<void>;
}

let users = 0;

/** A user name not taken yet, for the sshd fixture's AllowUsers before the user exists. */
export function sudoUserName(): string {
  return `${PREFIX}-${process.pid}-${++users}`;
}

/** Creates `name`, whose ~/.ssh/authorized_keys holds `publicKeyFile`'s key. */
export async function createSudoUser(name: string, publicKeyFile: string): Promise<SudoUser> {
  removeStaleUsers();
  const password = randomBytes(18).toString('base64url');
  const home = `/home/${name}`;
  const sudoers = join(SUDOERS_D, name);
  const scratch = await mkdtemp(join(tmpdir(), 'lvsplay-sudoers-'));
  const remove = async (): Promise<void> => {
    await rm(sudoers, { force: true });
    await rm(scratch, { recursive: true, force: true });
    removeUser(name);
  };
  try {
    run('useradd', ['--create-home', '--home-dir', home, '--shell', '/bin/bash', name]);
    // sshd refuses a locked account ('!' in shadow) when it does not use PAM: a password unlocks it.
    run('chpasswd', [], `${name}:${password}\n`);
    const { uid, gid } = ids(name);
    await mkdir(join(home, '.ssh'), { mode: 0o700 });
    await writeFile(join(home, '.ssh', 'authorized_keys'), await readFile(publicKeyFile), { mode: 0o600 });
    await chown(join(home, '.ssh'), uid, gid);
    await chown(join(home, '.ssh', 'authorized_keys'), uid, gid);
  } catch (error) {
    await remove();
    throw error;
  }
  const setSudoers = async (lines: readonly string[]): Promise<void> => {
    if (lines.length === 0) return rm(sudoers, { force: true });
    // A dot in a drop-in's name makes sudo skip it: the file is checked under such a name, then renamed.
    const draft = join(SUDOERS_D, `${name}.draft`);
    await writeFile(join(scratch, 'rules'), `${lines.join('\n')}\n`, { mode: 0o440 });
    run('visudo', ['-cf', join(scratch, 'rules')]);
    try {
      await writeFile(draft, `${lines.join('\n')}\n`, { mode: 0o440 });
      await rename(draft, sudoers);
    } finally {
      await rm(draft, { force: true });
    }
  };
  return { name, home, password, setSudoers, remove };
}

function run(command: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe', ...(input !== undefined && { input }) });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr?.trim() || (error as Error).message}`);
  }
}

function ids(name: string): { uid: number; gid: number } {
  return { uid: Number(run('id', ['-u', name])), gid: Number(run('id', ['-g', name])) };
}

/** The user, its processes (each by its pid), home and mail, and what sudo keeps of it. */
function removeUser(name: string): void {
  for (const pid of pidsOf(name)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  if (existsSync(`/home/${name}`) || passwd().includes(`\n${name}:`)) {
    try {
      run('userdel', ['--remove', '--force', name]);
    } catch {
      // userdel --remove exits 12 when there was no mail spool to remove; the user is gone then.
    }
  }
  for (const file of [join(SUDOERS_D, name), `/run/sudo/ts/${name}`, `/var/lib/sudo/lectured/${name}`]) execFileSync('rm', ['-f', file]);
}

function pidsOf(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-u', name], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none, 2 when the user is unknown.
  }
}

/** Users made by a test process that no longer runs (killed before its after hooks). */
function removeStaleUsers(): void {
  for (const [, name, pid] of passwd().matchAll(NAME)) {
    if (!isRunning(Number(pid))) removeUser(name!);
  }
}

function passwd(): string {
  return `\n${readFileSync('/etc/passwd', 'utf8')}`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
