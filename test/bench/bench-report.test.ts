/** Guards the benchmark's matrix and its table: every case, MB/s and IOPS per target, ratio to the ceiling. */
import { describe, expect, it } from 'vitest';
import { benchMarkdown } from '../../bench/bench-table.js';
import { benchMatrix, peakRssKiB } from '../../bench/fio-bench.js';

describe('fio benchmark', () => {
  it('covers 4k random and 128k sequential, read and write, buffered and direct, 1 and 4 jobs', () => {
    const matrix = benchMatrix();
    expect(matrix).toHaveLength(16);
    expect(new Set(matrix.map((c) => c.label)).size).toBe(16);
    expect(matrix.filter((c) => c.direct)).toHaveLength(8);
    expect(matrix.filter((c) => c.numjobs === 4)).toHaveLength(8);
    expect(matrix.filter((c) => c.bs === '4k').every((c) => c.rw.startsWith('rand'))).toBe(true);
  });

  it('tabulates MB/s, IOPS and the ratio to the baseline', () => {
    const [first] = benchMatrix();
    const table = benchMarkdown({
      runtimeSeconds: 5,
      baseline: 'ceiling',
      rows: [
        { ...first!, target: 'image-file', mbPerSecond: 150, iops: 36621, ratio: 3 },
        { ...first!, target: 'ceiling', mbPerSecond: 50, iops: 12207 },
      ],
      peakRssKiB: { ceiling: 131072 },
    });
    expect(table).toContain('| case | image-file MB/s | image-file IOPS | ceiling MB/s | ceiling IOPS | image-file / ceiling |');
    expect(table).toContain(`| ${first!.label} | 150 | 36,621 | 50.0 | 12,207 | 3.00× |`);
    expect(table).toContain('ceiling 128 MiB');
  });

  it('reads a process peak RSS', () => {
    expect(peakRssKiB(process.pid)).toBeGreaterThan(1000);
  });
});
