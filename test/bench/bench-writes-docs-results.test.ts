/**
 * Guards how `make bench` keeps docs/benchmarks.md current: the run's tables replace only what stands
 * between the results markers, the method around them stays, and a page without the markers is
 * refused before the run starts (changing nothing). The real page has them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BENCH_DOCS, RESULTS_BEGIN, RESULTS_END, checkBenchDocs, replaceResults, updateBenchDocs } from '../../bench/bench-docs.js';
import type { BenchReport } from '../../bench/fio-bench.js';
import { tempDirPerTest } from '../fs/helpers.js';

describe('bench results in docs/benchmarks.md', () => {
  const dir = tempDirPerTest('coherefs-bench-docs-');
  const page = `# Benchmarks\n\nMethod.\n\n${RESULTS_BEGIN}\nold table\n${RESULTS_END}\n\nAfter.\n`;

  it('replaces the results between the markers and keeps the rest', () => {
    const updated = replaceResults(page, '| new | table |\n');
    expect(updated).toBe(`# Benchmarks\n\nMethod.\n\n${RESULTS_BEGIN}\n| new | table |\n${RESULTS_END}\n\nAfter.\n`);
    expect(replaceResults(updated, 'newer')).toBe(`# Benchmarks\n\nMethod.\n\n${RESULTS_BEGIN}\nnewer\n${RESULTS_END}\n\nAfter.\n`);
  });

  it('refuses a page without both markers in order', () => {
    expect(() => replaceResults('# Benchmarks\n', 'x')).toThrow(/no results section/);
    expect(() => replaceResults(`${RESULTS_END}\n${RESULTS_BEGIN}\n`, 'x')).toThrow(/no results section/);
  });

  it('finds the markers in docs/benchmarks.md', async () => {
    await expect(checkBenchDocs(DEFAULT_BENCH_DOCS)).resolves.toBeUndefined();
    expect(await readFile(DEFAULT_BENCH_DOCS.page, 'utf8')).toContain('](bench-ratios.png)');
  });

  it('writes the run, its chart and its tables into the page', async () => {
    const docs = { page: join(dir(), 'benchmarks.md'), chart: join(dir(), 'bench-ratios.png') };
    const ratiosPng = join(dir(), 'run-ratios.png');
    await writeFile(docs.page, page);
    await writeFile(ratiosPng, 'PNG');
    const row = { label: '4k randread buffered ×1', rw: 'randread', bs: '4k', direct: false, numjobs: 1, mbPerSecond: 40, iops: 10_000 } as const;
    const report = {
      runtimeSeconds: 3, repeat: 1, baseline: 'ceiling', peakRssKiB: {},
      rows: [{ ...row, target: 'coherefs', ratio: 0.8 }, { ...row, target: 'ceiling', mbPerSecond: 50 }],
      files: { ratiosPng },
    } as unknown as BenchReport;
    await updateBenchDocs(report, ['--runtime', '3'], docs);
    const written = await readFile(docs.page, 'utf8');
    expect(written).toMatch(/Run `node dist\/bench\/run-fio-bench.js --runtime 3` on \d{4}-\d\d-\d\d: \d+ CPUs/);
    expect(written).toContain('](bench-ratios.png)');
    expect(written).toContain('| 4k randread buffered ×1 | 40.0 | 10,000 | 50.0 | 10,000 | 0.80× |');
    expect(written).not.toContain('old table');
    expect(written.startsWith('# Benchmarks\n\nMethod.\n\n')).toBe(true);
    expect(await readFile(docs.chart, 'utf8')).toBe('PNG');
  });
});
