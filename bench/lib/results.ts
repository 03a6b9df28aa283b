// Writes a benchmark run as JSON (the record), Markdown (for people) and an SVG plot of wall time against
// host count (so the curve is seen, not read).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Measurement } from './measure.ts';
import type { TierReport } from './tier.ts';

/** One tier's run: what `npm run bench -- TIER` writes to bench/results/TIER.json. */
export interface TierRun {
  readonly date: string;
  readonly machine: string;
  readonly report: TierReport;
}

export function machineDescription(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

const TIER_ORDER = ['lab', 'scale', 'director', 'bastion'];

/**
 * Records each tier's run in its own JSON file (a tier's figures are measured side by side in one run;
 * tiers may be run apart), then rewrites the Markdown summary and the plot from every tier recorded.
 */
export async function writeResults(dir: string, runs: readonly TierRun[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const run of runs) {
    const file = join(dir, `${run.report.tier}.json`);
    await writeFile(file, `${JSON.stringify(run, null, 2)}\n`);
    files.push(file);
  }
  const all: TierRun[] = [];
  for (const tier of TIER_ORDER) {
    try {
      all.push(JSON.parse(await readFile(join(dir, `${tier}.json`), 'utf8')) as TierRun);
    } catch {
      // not run yet
    }
  }
  files.push(join(dir, 'results.md'));
  await writeFile(join(dir, 'results.md'), markdown(all));
  const scale = all.find((r) => r.report.tier === 'scale');
  if (scale) {
    files.push(join(dir, 'scale.svg'));
    await writeFile(join(dir, 'scale.svg'), plot(scale.report.measurements));
  }
  return files;
}

const s = (seconds: number): string => (seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1));

/** The floor a measurement is compared with: the lower of the floors taken at the same host count. */
export function floorFor(measurements: readonly Measurement[], m: Measurement): number | undefined {
  const floors = measurements.filter((f) => f.name.startsWith('floor') && f.hosts === m.hosts);
  return floors.length > 0 ? Math.min(...floors.map((f) => f.min)) : undefined;
}

export function markdown(runs: readonly TierRun[]): string {
  const lines = ['# lvsplay benchmark', '', 'Written by `npm run bench`. Times in seconds: min and median of the repetitions; ratios are min ÷ the lower floor at the same host count.', ''];
  for (const { date, machine, report: tier } of runs) {
    lines.push(`## ${tier.tier} tier`, '', `Run ${date} on ${machine}. ${tier.setup}`, '', '| measurement | hosts | runs | min | median | min ÷ floor | peak RSS |', '|---|---|---|---|---|---|---|');
    for (const m of tier.measurements) {
      const floor = floorFor(tier.measurements, m);
      const ratio = floor && !m.name.startsWith('floor') ? `${(m.min / floor).toFixed(2)}x` : '';
      const rss = m.peakRssMb !== undefined ? `${m.peakRssMb.toFixed(0)} MB` : '';
      lines.push(`| ${cell(`${m.name}${m.note ? ` (${m.note})` : ''}`)} | ${m.hosts ?? ''} | ${m.seconds.length} | ${s(m.min)} | ${s(m.median)} | ${ratio} | ${rss} |`);
    }
    if (tier.counts) {
      lines.push('', '| count | value |', '|---|---|');
      for (const [name, value] of Object.entries(tier.counts)) lines.push(`| ${cell(name)} | ${value} |`);
    }
    lines.push('', '| target | measured | met |', '|---|---|---|');
    for (const t of tier.targets) lines.push(`| ${cell(t.target)} | ${cell(`${t.measured}${t.note ? ` — ${t.note}` : ''}`)} | ${t.met ? 'yes' : '**no**'} |`);
    lines.push('');
    if (tier.tier === 'scale') lines.push('![wall time against host count](scale.svg)', '');
  }
  return `${lines.join('\n')}\n`;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];

/** What the plot shows: the floors, lvsplay's runs and Ansible's no-ops (the rest is in the table). */
const PLOTTED = ['floor: OpenSSH, facts script', 'floor: node-ssh, facts script', 'lvsplay first converge', 'lvsplay no-op', 'ansible-playbook defaults, no-op', 'ansible-playbook tuned, no-op'];

/**
 * A line per plotted measurement, median wall time against host count, on a log scale: Ansible's minutes
 * and lvsplay's seconds would not both be readable on a linear one.
 */
export function plot(measurements: readonly Measurement[], plotted: readonly string[] = PLOTTED): string {
  const series = new Map<string, Measurement[]>();
  for (const m of measurements) if (m.hosts !== undefined && plotted.includes(m.name)) series.set(m.name, [...(series.get(m.name) ?? []), m]);
  const points = [...series.values()].flat();
  const maxX = Math.max(...points.map((m) => m.hosts!), 1);
  const ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  const lowY = [...ticks].reverse().find((t) => t <= Math.min(...points.map((m) => m.median))) ?? 0.1;
  const highY = ticks.find((t) => t >= Math.max(...points.map((m) => m.median))) ?? 1000;
  const [w, h, left, bottom, top, right] = [760, 420, 60, 50, 20, 270];
  const x = (v: number) => left + (v / maxX) * (w - left - right);
  const y = (v: number) => h - bottom - (Math.log10(v / lowY) / Math.log10(highY / lowY)) * (h - bottom - top);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`, `<rect width="${w}" height="${h}" fill="white"/>`];
  out.push(`<line x1="${left}" y1="${y(lowY)}" x2="${x(maxX)}" y2="${y(lowY)}" stroke="black"/>`, `<line x1="${left}" y1="${y(lowY)}" x2="${left}" y2="${top}" stroke="black"/>`);
  for (const v of ticks.filter((t) => t >= lowY && t <= highY)) {
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`, `<line x1="${left}" y1="${y(v)}" x2="${x(maxX)}" y2="${y(v)}" stroke="#ddd"/>`);
  }
  for (const hosts of [...new Set(points.map((m) => m.hosts!))]) out.push(`<text x="${x(hosts)}" y="${y(lowY) + 18}" text-anchor="middle">${hosts}</text>`);
  out.push(`<text x="${(left + x(maxX)) / 2}" y="${h - 12}" text-anchor="middle">hosts</text>`, `<text x="16" y="${top - 6}" >seconds (median, log scale)</text>`);
  [...series].forEach(([name, ms], i) => {
    const color = COLORS[i % COLORS.length]!;
    const sorted = [...ms].sort((a, b) => a.hosts! - b.hosts!);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map((m) => `${x(m.hosts!)},${y(m.median)}`).join(' ')}"/>`);
    for (const m of sorted) out.push(`<circle cx="${x(m.hosts!)}" cy="${y(m.median)}" r="3" fill="${color}"/>`);
    out.push(`<rect x="${w - right + 15}" y="${top + i * 20}" width="12" height="12" fill="${color}"/>`, `<text x="${w - right + 32}" y="${top + i * 20 + 10}">${escapeXml(name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A table cell: a `|` in a figure's name (a shell pipe) would end the cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
