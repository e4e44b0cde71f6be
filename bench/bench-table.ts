/** The benchmark's Markdown table: one row per case, MB/s and IOPS per target, ratio to the baseline. */
import type { BenchReport } from './fio-bench.js';

const mb = (value: number): string => value.toFixed(value >= 100 ? 0 : 1);
const count = (value: number): string => Math.round(value).toLocaleString('en-US');

export function benchMarkdown(report: Omit<BenchReport, 'files'>): string {
  const targets = [...new Set(report.rows.map((row) => row.target))];
  const others = targets.filter((target) => target !== report.baseline);
  const header = [
    'case',
    ...targets.flatMap((target) => [`${target} MB/s`, `${target} IOPS`]),
    ...others.map((target) => `${target} / ${report.baseline}`),
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const label of [...new Set(report.rows.map((row) => row.label))]) {
    const rowOf = (target: string) => report.rows.find((row) => row.label === label && row.target === target);
    const cells = [
      label,
      ...targets.flatMap((target) => {
        const row = rowOf(target);
        return row ? [mb(row.mbPerSecond), count(row.iops)] : ['–', '–'];
      }),
      ...others.map((target) => {
        const ratio = rowOf(target)?.ratio;
        return ratio === undefined ? '–' : `${ratio.toFixed(2)}×`;
      }),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const rss = Object.entries(report.peakRssKiB).map(([target, kib]) => `${target} ${(kib / 1024).toFixed(0)} MiB`);
  const notes = [`fio psync, iodepth 1, ${report.runtimeSeconds} s per run; ratios are MB/s against ${report.baseline}.`];
  if (rss.length) notes.push(`Daemon peak RSS (VmHWM): ${rss.join(', ')}.`);
  return `${lines.join('\n')}\n\n${notes.join('\n')}\n`;
}
