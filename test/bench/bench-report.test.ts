/**
 * Guards the benchmark's matrix, its run order and budget, the paired ratios over rounds and the table:
 * every case, median MB/s and IOPS per target, median ratio to the baseline with its spread, the
 * transport cases on their own, and the cost per request beyond the baseline.
 */
import { describe, expect, it } from 'vitest';
import { benchMarkdown } from '../../bench/bench-table.js';
import { REQUEST_COST_CASE, TRANSPORT_CASES, benchMatrix } from '../../bench/bench-cases.js';
import { benchPlan, cpuTimeMs, peakRssKiB, type BenchTarget } from '../../bench/fio-bench.js';
import { median, summarizeRounds, type Round } from '../../bench/paired-ratios.js';
import { measureRoundRobin } from '../../bench/round-robin.js';

const targets: BenchTarget[] = [
  { name: 'coherefs', directory: '/mnt/a' },
  { name: 'image-file', filename: '/tmp/b' },
  { name: 'ceiling', directory: '/mnt/c' },
];

describe('fio benchmark', () => {
  it('covers 4k random and 128k sequential, read and write, buffered and direct, 1 and 4 jobs, then the transport cases', () => {
    const matrix = benchMatrix();
    expect(matrix).toHaveLength(18);
    expect(new Set(matrix.map((c) => c.label)).size).toBe(18);
    const [main, transports] = [matrix.slice(0, 16), matrix.slice(16)];
    expect(main.filter((c) => c.direct)).toHaveLength(8);
    expect(main.filter((c) => c.numjobs === 4)).toHaveLength(8);
    expect(main.filter((c) => c.bs === '4k').every((c) => c.rw.startsWith('rand'))).toBe(true);
    expect(transports).toEqual(TRANSPORT_CASES);
    expect(transports.map((c) => `${c.bs} ${c.rw} ${c.direct ? 'direct' : 'buffered'} ×${c.numjobs}`)).toEqual(['1m read direct ×2', '4k randwrite direct ×2']);
    expect(benchMatrix([1]).map((c) => c.numjobs)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 2, 2]);
    expect(matrix.map((c) => c.label)).toContain(REQUEST_COST_CASE);
  });

  it('shortens each run so that cases × targets × rounds fit in the total', () => {
    expect(benchPlan({ targets, repeat: 3, runtimeSeconds: 5, maxTotalSeconds: 900 })).toMatchObject({ runs: 162, runtimeSeconds: 5 });
    expect(benchPlan({ targets, repeat: 3, runtimeSeconds: 5, maxTotalSeconds: 500 })).toMatchObject({ runs: 162, runtimeSeconds: 3 });
    expect(benchPlan({ targets, runtimeSeconds: 5, maxTotalSeconds: 400 }).runtimeSeconds).toBe(2);
  });

  it('compares with passthrough_ll unless told otherwise', () => {
    expect(benchPlan({ targets }).baseline).toBe('passthrough_ll');
  });

  it('refuses a repeat, runtime or total it cannot honour', () => {
    expect(() => benchPlan({ targets, repeat: 0 })).toThrow(/repeat/);
    expect(() => benchPlan({ targets, repeat: 1.5 })).toThrow(/repeat/);
    expect(() => benchPlan({ targets, runtimeSeconds: Number('x') })).toThrow(/runtime/);
    expect(() => benchPlan({ targets, repeat: 3, maxTotalSeconds: 161 })).toThrow(/162 fio runs .* do not fit in 161 s/);
  });

  it('runs every target in turn, round after round, case by case', async () => {
    const cases = benchMatrix().slice(0, 2);
    const order: string[] = [];
    const rows = await measureRoundRobin(cases, targets, 2, 'ceiling', async (test, target, round) => {
      order.push(`${test.label}/${round}/${target.name}`);
      return { mbPerSecond: round * 10, iops: round };
    });
    const [a, b] = cases.map((c) => c.label);
    expect(order).toEqual([
      `${a}/1/coherefs`, `${a}/1/image-file`, `${a}/1/ceiling`, `${a}/2/coherefs`, `${a}/2/image-file`, `${a}/2/ceiling`,
      `${b}/1/coherefs`, `${b}/1/image-file`, `${b}/1/ceiling`, `${b}/2/coherefs`, `${b}/2/image-file`, `${b}/2/ceiling`,
    ]);
    expect(rows.map((row) => `${row.label}/${row.target}`)).toEqual(cases.flatMap((c) => targets.map((t) => `${c.label}/${t.name}`)));
    expect(rows[0]).toMatchObject({ samples: [10, 20], mbPerSecond: 15, ratios: [1, 1] });
  });

  it('takes the median of an odd and an even number of samples', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
  });

  it('pairs each round with the baseline of the same round before taking the median', () => {
    // The medians (60 over 100) would give 0.60; the rounds' own ratios are 0.5, 1.0 and 0.9.
    const [target, base] = summarizeRounds(
      [
        { coherefs: { mbPerSecond: 50, iops: 5 }, ceiling: { mbPerSecond: 100, iops: 10 } },
        { coherefs: { mbPerSecond: 60, iops: 6 }, ceiling: { mbPerSecond: 60, iops: 6 } },
        { coherefs: { mbPerSecond: 180, iops: 18 }, ceiling: { mbPerSecond: 200, iops: 20 } },
      ],
      'ceiling',
    );
    expect(target).toEqual({
      target: 'coherefs', mbPerSecond: 60, iops: 6, samples: [50, 60, 180], iopsSamples: [5, 6, 18],
      ratio: 0.9, ratioMin: 0.5, ratioMax: 1, ratios: [0.5, 1, 0.9],
    });
    expect(base).toEqual({ target: 'ceiling', mbPerSecond: 100, iops: 10, samples: [100, 60, 200], iopsSamples: [10, 6, 20] });
  });

  it('leaves out of the ratio a round where the baseline measured nothing', () => {
    const [target] = summarizeRounds(
      [
        { coherefs: { mbPerSecond: 50, iops: 5 }, ceiling: { mbPerSecond: 0, iops: 0 } },
        { coherefs: { mbPerSecond: 60, iops: 6 }, ceiling: { mbPerSecond: 120, iops: 12 } },
      ],
      'ceiling',
    );
    expect(target?.ratios).toEqual([0.5]);
    expect(summarizeRounds([{ coherefs: { mbPerSecond: 5, iops: 1 }, ceiling: { mbPerSecond: 0, iops: 0 } }], 'ceiling')[0]?.ratio).toBeUndefined();
  });

  /** The table of the first case measured in these rounds, against the ceiling. */
  function tableOf(rounds: Round[]): { label: string; table: string } {
    const [first] = benchMatrix();
    const rows = summarizeRounds(rounds, 'ceiling').map((summary) => ({ ...first!, ...summary }));
    const table = benchMarkdown({ runtimeSeconds: 5, repeat: rounds.length, baseline: 'ceiling', rows, peakRssKiB: { ceiling: 131072 } });
    return { label: first!.label, table };
  }

  it('tabulates median MB/s and IOPS and the median ratio with its spread', () => {
    const { label, table } = tableOf([
      { 'image-file': { mbPerSecond: 150, iops: 36621 }, ceiling: { mbPerSecond: 50, iops: 12207 } },
      { 'image-file': { mbPerSecond: 140, iops: 34180 }, ceiling: { mbPerSecond: 56, iops: 13672 } },
      { 'image-file': { mbPerSecond: 162.5, iops: 39673 }, ceiling: { mbPerSecond: 50, iops: 12207 } },
    ]);
    expect(table).toContain('| case | image-file MB/s | image-file IOPS | ceiling MB/s | ceiling IOPS | image-file / ceiling |');
    expect(table).toContain(`| ${label} | 150 | 36,621 | 50.0 | 12,207 | 3.00× (2.50–3.25) |`);
    expect(table).toContain('5 s per run; median of 3 paired rounds');
    expect(table).toContain('ceiling 128 MiB');
  });

  it('shows no spread for a single round', () => {
    const { label, table } = tableOf([{ coherefs: { mbPerSecond: 40, iops: 9766 }, ceiling: { mbPerSecond: 50, iops: 12207 } }]);
    expect(table).toContain(`| ${label} | 40.0 | 9,766 | 50.0 | 12,207 | 0.80× |`);
    expect(table).toContain('median of 1 paired round (');
  });

  it('tabulates the daemons\' CPU time per MiB, each against the baseline\'s', () => {
    const rounds: Round[] = [
      { coherefs: { mbPerSecond: 40, iops: 1, cpuUsPerMiB: 300 }, 'image-file': { mbPerSecond: 90, iops: 2 }, ceiling: { mbPerSecond: 50, iops: 1, cpuUsPerMiB: 100 } },
      { coherefs: { mbPerSecond: 45, iops: 1, cpuUsPerMiB: 500 }, 'image-file': { mbPerSecond: 95, iops: 2 }, ceiling: { mbPerSecond: 50, iops: 1, cpuUsPerMiB: 200 } },
    ];
    const [coherefs, imageFile] = summarizeRounds(rounds, 'ceiling');
    expect(coherefs).toMatchObject({ cpuUsPerMiB: 400, cpuSamples: [300, 500] });
    expect(imageFile?.cpuUsPerMiB).toBeUndefined();
    const { label, table } = tableOf(rounds);
    expect(table).toContain('| case | coherefs CPU µs/MiB | ceiling CPU µs/MiB | coherefs / ceiling |');
    expect(table).toContain(`| ${label} | 400 | 150 | 2.67× |`);
    expect(tableOf([{ 'image-file': { mbPerSecond: 1, iops: 1 }, ceiling: { mbPerSecond: 1, iops: 1 } }]).table).not.toContain('CPU');
  });

  it('puts the transport cases first, each target against the baseline beside the daemons\' CPU per MiB', () => {
    const [readCase, writeCase] = TRANSPORT_CASES;
    const round = (scale: number): Round => ({
      'coherefs-kernel': { mbPerSecond: 80 * scale, iops: 1, cpuUsPerMiB: 900 },
      passthrough_ll: { mbPerSecond: 100 * scale, iops: 1, cpuUsPerMiB: 300 },
      'image-file': { mbPerSecond: 50 * scale, iops: 1 },
    });
    const rows = [readCase!, writeCase!].flatMap((test, i) => summarizeRounds([round(i + 1), round(i + 1)], 'passthrough_ll').map((summary) => ({ ...test, ...summary })));
    const table = benchMarkdown({ runtimeSeconds: 3, repeat: 2, baseline: 'passthrough_ll', rows, peakRssKiB: {} });
    expect(table.startsWith('The transports and the anchors')).toBe(true);
    expect(table).toContain(
      '| case | passthrough_ll MB/s | coherefs-kernel / passthrough_ll | image-file / passthrough_ll | coherefs-kernel CPU µs/MiB | passthrough_ll CPU µs/MiB |',
    );
    expect(table).toContain('| 1m read direct ×2 | 100 | 0.80× (0.80–0.80) | 0.50× (0.50–0.50) | 900 | 300 |');
    expect(table).toContain('| 4k randwrite direct ×2 | 200 | 0.80× (0.80–0.80) | 0.50× (0.50–0.50) | 900 | 300 |');
    expect(tableOf([{ coherefs: { mbPerSecond: 40, iops: 9766 }, ceiling: { mbPerSecond: 50, iops: 12207 } }]).table).not.toContain('The transports');
  });

  it('turns the request-cost case into µs per request beyond the baseline, paired per round', () => {
    // Round 1: 1/10,000 s - 1/20,000 s = 50 µs; round 2: 1/5,000 s - 1/20,000 s = 150 µs; round 3: 1/5,000 s - 1/10,000 s = 100 µs.
    const { table } = tableOf([
      { 'coherefs-kernel': { mbPerSecond: 40, iops: 10_000, cpuUsPerMiB: 1 }, 'image-file': { mbPerSecond: 1, iops: 1 }, ceiling: { mbPerSecond: 80, iops: 20_000, cpuUsPerMiB: 1 } },
      { 'coherefs-kernel': { mbPerSecond: 20, iops: 5_000, cpuUsPerMiB: 1 }, 'image-file': { mbPerSecond: 1, iops: 1 }, ceiling: { mbPerSecond: 80, iops: 20_000, cpuUsPerMiB: 1 } },
      { 'coherefs-kernel': { mbPerSecond: 20, iops: 5_000, cpuUsPerMiB: 1 }, 'image-file': { mbPerSecond: 1, iops: 1 }, ceiling: { mbPerSecond: 50, iops: 10_000, cpuUsPerMiB: 1 } },
    ]);
    expect(table).toMatch(/Per request, beyond ceiling \(4k randread buffered ×1: .*\): coherefs-kernel 100\.0 µs \(50\.0–150\.0\)\.$/m);
    expect(tableOf([{ 'image-file': { mbPerSecond: 1, iops: 1 }, ceiling: { mbPerSecond: 1, iops: 1 } }]).table).not.toContain('Per request');
  });

  it('reads a process\'s CPU time, which grows with work', () => {
    const before = cpuTimeMs(process.pid);
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 100_000);
    expect(cpuTimeMs(process.pid)).toBeGreaterThanOrEqual(before + 80);
  });

  it('reads a process peak RSS', () => {
    expect(peakRssKiB(process.pid)).toBeGreaterThan(1000);
  });
});
