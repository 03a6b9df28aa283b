// `npm run bench [-- lab scale director bastion]`: runs the tiers (all by default) one after another, each
// measured side by side with its floors, and writes bench/results/. Nothing else may load the machine
// while it runs: the figures are wall times on 2 shared cores.
import { fileURLToPath } from 'node:url';
import type { TierOptions, TierReport } from './lib/tier.ts';
import { machineDescription, writeResults, type TierRun } from './lib/results.ts';

type TierName = 'lab' | 'scale' | 'director' | 'bastion';
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const TIERS: Record<TierName, (options: TierOptions) => Promise<TierReport>> = {
  lab: async (o) => (await import('./tiers/lab.ts')).runLabTier(o),
  scale: async (o) => (await import('./tiers/scale.ts')).runScaleTier(o),
  director: async (o) => (await import('./tiers/director.ts')).runDirectorTier(o),
  bastion: async (o) => (await import('./tiers/bastion.ts')).runBastionTier(o),
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((a) => !(a in TIERS));
  if (unknown.length > 0) throw new Error(`unknown tier ${unknown.join(', ')} (tiers: ${Object.keys(TIERS).join(', ')})`);
  const names = (asked.length > 0 ? asked : Object.keys(TIERS)) as TierName[];
  const repeat = Number(process.env.LVSPLAY_BENCH_REPEAT ?? 3);
  const log = (line: string) => console.log(`[bench] ${line}`);
  const runs: TierRun[] = [];
  for (const name of names) {
    log(`tier ${name}: starting`);
    const report = await TIERS[name]({ repeat, log });
    runs.push({ date: new Date().toISOString(), machine: machineDescription(), report });
    // Written after each tier, so a later tier's failure loses nothing measured.
    await writeResults(RESULTS, [runs.at(-1)!]);
  }
  log(`wrote ${RESULTS}: ${names.map((n) => `${n}.json`).join(', ')}, results.md, scale.svg`);
  const tiers = runs.map((r) => r.report);
  const missed = tiers.flatMap((t) => t.targets.filter((target) => !target.met).map((target) => `${t.tier}: ${target.target}: ${target.measured}`));
  if (missed.length > 0) log(`targets not met:\n  ${missed.join('\n  ')}`);
}

await main();
