import { strict as assert } from 'node:assert';
import { summarize } from '../../../bench/lib/measure.ts';
import { floorFor, markdown, plot } from '../../../bench/lib/results.ts';

const MEASUREMENTS = [
  summarize('floor: OpenSSH', [10.8, 9.8, 10.1], { hosts: 150 }),
  summarize('floor: node-ssh', [4.0, 3.8, 3.9], { hosts: 150 }),
  summarize('lvsplay no-op', [5.0, 4.8, 5.6], { hosts: 150, peakRssMb: 98.4 }),
  summarize('floor: node-ssh', [1.4, 1.5, 1.6], { hosts: 50 }),
  summarize('lvsplay no-op', [2.0, 2.1, 2.2], { hosts: 50 }),
];

describe('benchmark results', () => {
  it('summarizes repetitions as min and median', () => {
    assert.deepEqual({ min: MEASUREMENTS[0]!.min, median: MEASUREMENTS[0]!.median }, { min: 9.8, median: 10.1 });
    assert.equal(summarize('x', [1, 2, 3, 4]).median, 2.5);
  });

  it('compares each figure with the lower floor at the same host count', () => {
    assert.equal(floorFor(MEASUREMENTS, MEASUREMENTS[2]!), 3.8);
    assert.equal(floorFor(MEASUREMENTS, MEASUREMENTS[4]!), 1.4);
  });

  it('writes a Markdown table with ratios, RSS and targets', () => {
    const md = markdown([
      {
        date: '2026-11-24T00:00:00Z',
        machine: '2 cores',
        report: { tier: 'scale', setup: 'containers', measurements: MEASUREMENTS, targets: [{ target: 'no-op ≤ 1.5x floor at 150', measured: '1.26x', met: true }] },
      },
    ]);
    assert.match(md, /\| lvsplay no-op \| 150 \| 3 \| 4.80 \| 5.00 \| 1.26x \| 98 MB \|/);
    assert.match(md, /\| no-op ≤ 1.5x floor at 150 \| 1.26x \| yes \|/);
    assert.match(md, /!\[wall time against host count\]\(scale.svg\)/);
    const piped = markdown([{ date: 'd', machine: 'm', report: { tier: 'director', setup: 's', measurements: [summarize('save + delta | ipvsadm -R', [1], {})], targets: [] } }]);
    assert.match(piped, /\| save \+ delta \\\| ipvsadm -R \| /);
  });

  it('plots a line per chosen measurement against host count, on a log scale', () => {
    const svg = plot(MEASUREMENTS, ['floor: OpenSSH', 'floor: node-ssh', 'lvsplay no-op']);
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/<polyline /g) ?? []).length, 3);
    assert.match(svg, />floor: node-ssh</);
    assert.match(svg, />1<\/text>.*\n.*\n.*>2<\/text>.*\n.*\n.*>5<\/text>/);
    assert.equal((plot(MEASUREMENTS, ['lvsplay no-op']).match(/<polyline /g) ?? []).length, 1);
  });
});
