/** Guards the chart helper: rows become an SVG naming what it plots, and the SVG a PNG. */
import { describe, expect, it } from 'vitest';
import { barChart, lineChart, rangeChart, svgToPng } from '../../src/util/plot.js';

const rows = [
  { case: '4k randread', target: 'ceiling', 'MB/s': 40, size: '4k' },
  { case: '4k randread', target: 'image-file', 'MB/s': 120, size: '4k' },
  { case: '128k read', target: 'ceiling', 'MB/s': 700, size: '128k' },
];

describe('plot', () => {
  it('draws grouped bars in panels as SVG', async () => {
    const svg = await barChart({ title: 'throughput', rows, x: 'case', y: 'MB/s', series: 'target', panel: 'size' });
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['throughput', '4k randread', '128k read', 'image-file']) expect(svg).toContain(text);
    expect((svg.match(/role-mark/g) ?? []).length).toBeGreaterThan(0);
  });

  it('draws bars with whiskers and a dashed goal line', async () => {
    const ratios = [
      { case: '4k randread', ratio: 0.8, low: 0.7, high: 0.9, goal: 0.7 },
      { case: '4k randwrite', ratio: 0.5, low: 0.4, high: 0.6, goal: 0.7 },
    ];
    const svg = await rangeChart({ title: 'ratios', rows: ratios, x: 'case', y: 'ratio', low: 'low', high: 'high', goal: 'goal' });
    expect(svg).toContain('ratios');
    // Two bars, two whiskers (rules from low to high) and one goal rule, dashed.
    expect((svg.match(/aria-roledescription="bar"/g) ?? []).length).toBe(2);
    expect((svg.match(/aria-roledescription="rule mark"/g) ?? []).length).toBe(3);
    expect(svg).toMatch(/stroke-dasharray="6,4"/);
  });

  it('draws lines over a numeric x and renders a PNG', async () => {
    const svg = await lineChart({ title: 'stale reads', rows: [{ t: 0, n: 1 }, { t: 1, n: 3 }], x: 't', y: 'n' });
    expect(svg).toContain('stale reads');
    const png = svgToPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(1000);
  });
});
