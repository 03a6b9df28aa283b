// What the director-pair suites (DR and NAT, keepalived's VRRP) share: commands on a VM, which director holds
// the pair's addresses, the live table, `status`, and a client asking the VIP every 200 ms meanwhile.
import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { startLab, type Lab } from '../lab/lab.ts';
import { lvsplay, writeLabInventory } from './lvsplay.ts';

/** Either pair lab: both have the client, lvs, lvs2, rs1 and rs2. */
export type PairLab = Lab<'dr-pair'> | Lab<'nat-pair'>;

export const DIRECTORS = ['lvs', 'lvs2'] as const;

export async function sh(lab: PairLab, host: string, command: string): Promise<string> {
  const result = await lab.ssh(host as never, command, { timeoutMs: 120_000 });
  assert.equal(result.code, 0, `${host}: ${command}: ${result.stderr}`);
  return result.stdout;
}

/** The directors among `up` that hold every one of `addresses` on an interface now (VRRP's MASTER). */
export async function holders(lab: PairLab, addresses: readonly string[], up: readonly string[] = DIRECTORS): Promise<string[]> {
  const held = await Promise.all(
    up.map(async (d) => {
      const live = await sh(lab, d, 'ip -o -4 address show');
      return addresses.every((address) => live.includes(` ${address}/32 `)) ? [d] : [];
    }),
  );
  return held.flat();
}

/** Polls `probe` every 0.5 s until it gives a value: that value, and how long it took. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, explain?: () => Promise<string>): Promise<{ value: T; seconds: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, seconds: (Date.now() - started) / 1000 };
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s${explain ? `\n${await explain()}` : ''}`);
    await sleep(500);
  }
}

/** `ipvsadm -L --daemon` on each director: `master sync daemon (mcast=eth0, syncid=51, …)`, `backup …`, or nothing. */
export async function syncDaemons(lab: PairLab): Promise<Record<(typeof DIRECTORS)[number], string>> {
  const [lvs, lvs2] = await Promise.all(DIRECTORS.map((d) => sh(lab, d, 'ipvsadm -L --daemon')));
  return { lvs: lvs ?? '', lvs2: lvs2 ?? '' };
}

/** For a failed wait on connection sync: each director's sync daemons, connection table and keepalived's last words. */
export async function syncDiagnosis(lab: PairLab): Promise<string> {
  const parts = await Promise.all(
    DIRECTORS.map(async (d) => {
      const seen = await lab.ssh(d as never, 'ipvsadm -L --daemon; ipvsadm -Lnc; journalctl -u keepalived.service --no-pager -n 25', { timeoutMs: 60_000 });
      return `--- ${d} (exit ${seen.code}):\n${seen.stdout}${seen.stderr}`;
    }),
  );
  return parts.join('\n');
}

export interface StatusDirector {
  readonly host: string;
  readonly vrrp?: { readonly state: string; readonly vips: readonly string[] };
  readonly services: readonly { readonly key: string; readonly ownership: string; readonly realServers: readonly { readonly key: string; readonly out?: string }[] }[];
}

/** `lvsplay status --json`, by director. */
export async function status(inventory: string, ssh: readonly string[]): Promise<Map<string, StatusDirector>> {
  const result = await lvsplay(['status', inventory, ...ssh, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return new Map((JSON.parse(result.stdout) as { directors: StatusDirector[] }).directors.map((d) => [d.host, d]));
}

/** Real servers in the director's live table for `vip` port 80, with their weights: `192.168.10.71:80 1`. */
export async function liveRealServers(lab: PairLab, director: string, vip: string): Promise<string[]> {
  const listing = await sh(lab, director, `ipvsadm -Ln -t ${vip}:80`);
  return [...listing.matchAll(/^ {2}-> (\d+\.\d+\.\d+\.\d+:\d+)\s+\S+\s+(\d+)/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
}

/** `count` requests to the VIP from the client, one after another: who answered each (FAILED for none). */
export async function curlSeries(lab: PairLab, vip: string, count: number): Promise<string[]> {
  return (await sh(lab, 'client', `for i in $(seq ${count}); do curl -s --max-time 5 http://${vip}/ || echo FAILED; done`)).trim().split('\n');
}

export interface LoopResult {
  readonly requests: number;
  readonly failed: number;
  /** Seconds between the first and the last failed request. */
  readonly failedSpan: number;
  readonly answers: readonly string[];
  /** Index of the last failed request, -1 for none. */
  readonly lastFailedAt: number;
  readonly lines: readonly string[];
}

/**
 * Runs `step` over and over in the background on `host` (each appending its line to /tmp/NAME.log) until
 * stopped: then the log's lines.
 */
export async function backgroundLog(lab: PairLab, host: string, name: string, step: string): Promise<{ stop(): Promise<string[]> }> {
  const [log, stopFile, doneFile] = [`/tmp/${name}.log`, `/tmp/${name}-stop`, `/tmp/${name}-done`];
  const loop = `rm -f ${log} ${stopFile}\nwhile [ ! -e ${stopFile} ]; do\n${step}\ndone\ntouch ${doneFile}`;
  await sh(lab, host, `cat > /tmp/${name}.sh <<'EOF'\n${loop}\nEOF\nrm -f ${doneFile}; setsid sh /tmp/${name}.sh < /dev/null > /dev/null 2>&1 &`);
  await waitFor(`the ${name} loop started`, async () => (Number((await sh(lab, host, `cat ${log} 2>/dev/null | wc -l`)).trim()) >= 2 ? true : undefined), 30_000);
  return {
    stop: async () => {
      await sh(lab, host, `touch ${stopFile}`);
      await waitFor(`the ${name} loop stopped`, async () => ((await lab.ssh(host as never, `test -e ${doneFile}`)).code === 0 ? true : undefined), 30_000);
      return (await sh(lab, host, `cat ${log}`)).trim().split('\n');
    },
  };
}

/** A failover has settled when this many requests in a row have been answered since the last failure. */
export const SETTLED_REQUESTS = 10;

/**
 * Every 200 ms from the client, `TIME ANSWER` (FAILED when no answer in 1 s), until stopped. `settled()` waits
 * for SETTLED_REQUESTS answered requests in a row: counted in requests, not seconds, since a loaded machine
 * makes the loop's requests come slower than every 200 ms.
 */
export async function clientLoop(lab: PairLab, vip: string): Promise<{ settled(): Promise<void>; stop(): Promise<LoopResult> }> {
  const step = `  r=$(curl -s --max-time 1 http://${vip}/ 2>/dev/null) || r=FAILED
  echo "$(date +%s.%N) \${r:-EMPTY}" >> /tmp/pair.log
  sleep 0.2`;
  const loop = await backgroundLog(lab, 'client', 'pair', step);
  return {
    settled: async () => {
      await waitFor(`${SETTLED_REQUESTS} requests in a row answered`, async () => {
        const last = (await sh(lab, 'client', `tail -n ${SETTLED_REQUESTS} /tmp/pair.log`)).trim().split('\n');
        return last.length === SETTLED_REQUESTS && last.every((line) => / rs[12]$/.test(line)) ? true : undefined;
      });
    },
    stop: async () => {
      const lines = await loop.stop();
      const parsed = lines.map((line) => {
        const [time, answer = ''] = line.split(' ');
        return { time: Number(time), answer };
      });
      const failedAt = parsed.filter((p) => p.answer !== 'rs1' && p.answer !== 'rs2').map((p) => p.time);
      return {
        requests: parsed.length,
        failed: failedAt.length,
        failedSpan: failedAt.length > 0 ? failedAt.at(-1)! - failedAt[0]! : 0,
        answers: parsed.map((p) => p.answer),
        lastFailedAt: failedAt.length > 0 ? parsed.findIndex((p) => p.time === failedAt.at(-1)) : -1,
        lines,
      };
    },
  };
}

/** A failover's requests: some may fail, but then SETTLED_REQUESTS or more in a row succeeded, up to the last. */
export function assertRecovered(seen: LoopResult): void {
  assert.ok(seen.lastFailedAt < seen.requests - SETTLED_REQUESTS, `requests still failed at the end: ${seen.lines.slice(-12).join(' | ')}`);
  assert.ok(
    seen.answers.slice(seen.lastFailedAt + 1).every((a) => a === 'rs1' || a === 'rs2'),
    'every request after the last failure succeeded',
  );
}

/** A download of `/big` (the real servers write it first) through the VIP at 100 kB/s: `CODE SIZE exit STATUS`. */
export function slowDownload(lab: PairLab, vip: string, rate = '100k') {
  return lab.ssh('client' as never, `curl -s -o /dev/null --limit-rate ${rate} --max-time 300 -w '%{http_code} %{size_download}' http://${vip}/big; echo " exit $?"`, { timeoutMs: 6 * 60_000 });
}

export interface PairSuite<T extends 'dr-pair' | 'nat-pair'> {
  lab: Lab<T>;
  /** The seed's own inventory for this lab. */
  inventory: string;
  /** The ssh options every run takes (known_hosts). */
  ssh: string[];
}

/** Boots the pair lab before the suite's tests and stops it after them (also when they fail); filled in by `before`. */
export function usePairLab<T extends 'dr-pair' | 'nat-pair'>(topology: T): PairSuite<T> {
  const suite = {} as PairSuite<T>;
  before(async () => {
    suite.lab = await startLab(topology);
    suite.inventory = await writeLabInventory(suite.lab.dir, topology, suite.lab.access);
    suite.ssh = ['--known-hosts', join(suite.lab.dir, 'known_hosts')];
  });
  after(async () => {
    await suite.lab?.stop();
  });
  return suite;
}

/** The directors come bare: lvsplay's run is what installs ipvsadm and keepalived. */
export async function assertBareDirectors(lab: PairLab): Promise<void> {
  for (const director of DIRECTORS) {
    assert.equal((await lab.ssh(director, 'command -v ipvsadm || command -v keepalived')).code, 1, `${director} starts without ipvsadm and keepalived`);
  }
}
