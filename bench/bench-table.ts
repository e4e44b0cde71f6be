/**
 * The benchmark's Markdown table: one row per case, median MB/s and IOPS per target, and the median
 * paired ratio to the baseline with the lowest and highest round's ratio, so a reader sees how much
 * of a difference between targets is noise.
 */
import { REQUEST_COST_CASE, TRANSPORT_CASES } from './bench-cases.js';
import type { BenchReport, BenchRow } from './fio-bench.js';
import { handOffMarkdown } from './hand-off.js';
import { median } from './paired-ratios.js';

const mb = (value: number): string => value.toFixed(value >= 100 ? 0 : 1);
const count = (value: number): string => Math.round(value).toLocaleString('en-US');

/** `0.83× (0.78–0.90)`; a single round has no spread to show. */
function ratioCell(row: BenchRow | undefined): string {
  if (row?.ratio === undefined) return '–';
  const median = `${row.ratio.toFixed(2)}×`;
  if (row.ratios === undefined || row.ratios.length < 2) return median;
  return `${median} (${row.ratioMin!.toFixed(2)}–${row.ratioMax!.toFixed(2)})`;
}

/** The cases measured, in the order they ran. */
const caseLabels = (report: Omit<BenchReport, 'files'>): string[] => [...new Set(report.rows.map((row) => row.label))];

/** A Markdown table: the first column left-aligned (the case), the others right-aligned (figures). */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const align = `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [line(header), align, ...rows.map(line)].join('\n');
}

export function benchMarkdown(report: Omit<BenchReport, 'files'>): string {
  const targets = [...new Set(report.rows.map((row) => row.target))];
  const others = targets.filter((target) => target !== report.baseline);
  const header = [
    'case',
    ...targets.flatMap((target) => [`${target} MB/s`, `${target} IOPS`]),
    ...others.map((target) => `${target} / ${report.baseline}`),
  ];
  const rows = caseLabels(report).map((label) => {
    const rowOf = (target: string) => report.rows.find((row) => row.label === label && row.target === target);
    return [
      label,
      ...targets.flatMap((target) => {
        const row = rowOf(target);
        return row ? [mb(row.mbPerSecond), count(row.iops)] : ['–', '–'];
      }),
      ...others.map((target) => ratioCell(rowOf(target))),
    ];
  });
  const cpu = cpuTable(report);
  const rss = Object.entries(report.peakRssKiB).map(([target, kib]) => `${target} ${(kib / 1024).toFixed(0)} MiB`);
  const rounds = `${report.repeat} paired round${report.repeat === 1 ? '' : 's'}`;
  const notes = [
    `fio psync, iodepth 1, ${report.runtimeSeconds} s per run; median of ${rounds} (every target in turn per round). ` +
      `Ratios are MB/s against ${report.baseline} in the same round: the median, and in brackets the lowest and highest round.`,
  ];
  if (rss.length) notes.push(`Daemon peak RSS (VmHWM): ${rss.join(', ')}.`);
  return `${transportTable(report)}${markdownTable(header, rows)}\n\n${notes.join('\n')}\n${cpu}${requestCost(report)}`;
}

/** The rows of one case, by target. */
function rowsOf(report: Omit<BenchReport, 'files'>, label: string): Map<string, BenchRow> {
  return new Map(report.rows.filter((row) => row.label === label).map((row) => [row.target, row]));
}

/**
 * The transport cases first, on their own: each target's MB/s against the baseline and its CPU per
 * MiB, so the transports and the anchors are read side by side. Empty when they were not run.
 */
function transportTable(report: Omit<BenchReport, 'files'>): string {
  const labels = TRANSPORT_CASES.map((test) => test.label).filter((label) => rowsOf(report, label).size > 0);
  if (labels.length === 0) return '';
  const targets = [...new Set(report.rows.filter((row) => labels.includes(row.label)).map((row) => row.target))];
  const others = targets.filter((target) => target !== report.baseline);
  const daemons = targets.filter((target) => report.rows.some((row) => row.target === target && row.cpuUsPerMiB !== undefined));
  const header = ['case', `${report.baseline} MB/s`, ...others.map((target) => `${target} / ${report.baseline}`), ...daemons.map((target) => `${target} CPU µs/MiB`)];
  const rows = labels.map((label) => {
    const byTarget = rowsOf(report, label);
    const base = byTarget.get(report.baseline);
    return [
      label,
      base ? mb(base.mbPerSecond) : '–',
      ...others.map((target) => ratioCell(byTarget.get(target))),
      ...daemons.map((target) => byTarget.get(target)?.cpuUsPerMiB?.toFixed(0) ?? '–'),
    ];
  });
  return `The transports and the anchors (MB/s against ${report.baseline} in the same round; CPU time of each daemon per MiB moved):\n\n${markdownTable(header, rows)}\n\nEvery case:\n\n`;
}

/**
 * What a request costs beyond the baseline's: in the request-cost case, per round, 1/IOPS of each
 * daemon minus the baseline's, in µs (median and range); then the hand-off measured alone.
 */
function requestCost(report: Omit<BenchReport, 'files'>): string {
  const byTarget = rowsOf(report, REQUEST_COST_CASE);
  const base = byTarget.get(report.baseline);
  const lines: string[] = [];
  if (base) {
    const costs = [...byTarget.values()]
      .filter((row) => row.target !== report.baseline && row.cpuUsPerMiB !== undefined)
      .map((row) => {
        const added = row.iopsSamples.flatMap((iops, i) => {
          const baseIops = base.iopsSamples[i];
          return iops > 0 && baseIops ? [1e6 / iops - 1e6 / baseIops] : [];
        });
        if (added.length === 0) return undefined;
        const spread = added.length > 1 ? ` (${Math.min(...added).toFixed(1)}–${Math.max(...added).toFixed(1)})` : '';
        return `${row.target} ${median(added).toFixed(1)} µs${spread}`;
      })
      .filter((cost) => cost !== undefined);
    if (costs.length) {
      lines.push(
        `Per request, beyond ${report.baseline} (${REQUEST_COST_CASE}: a file each daemon holds in memory, so the rate is the request path's; ` +
          `1/IOPS minus ${report.baseline}'s, paired per round, median and range): ${costs.join(', ')}.`,
      );
    }
  }
  if (report.handOff) lines.push(handOffMarkdown(report.handOff));
  return lines.length ? `\n${lines.join('\n\n')}\n` : '';
}

/**
 * The daemons' CPU time per MiB moved (all their threads), medians over the rounds, and each against
 * the baseline's: what a request costs the daemon, which the machine's noise moves much less than
 * throughput. Empty when no target had a pid.
 */
function cpuTable(report: Omit<BenchReport, 'files'>): string {
  const daemons = [...new Set(report.rows.filter((row) => row.cpuUsPerMiB !== undefined).map((row) => row.target))];
  if (daemons.length === 0) return '';
  const base = daemons.includes(report.baseline) ? report.baseline : undefined;
  const others = daemons.filter((target) => target !== base);
  const header = ['case', ...daemons.map((target) => `${target} CPU µs/MiB`), ...(base ? others.map((target) => `${target} / ${base}`) : [])];
  const rows = caseLabels(report).map((label) => {
    const cpuOf = (target: string) => report.rows.find((row) => row.label === label && row.target === target)?.cpuUsPerMiB;
    const baseCpu = base ? cpuOf(base) : undefined;
    const againstBase = (target: string): string => {
      const cpu = cpuOf(target);
      return cpu !== undefined && baseCpu ? `${(cpu / baseCpu).toFixed(2)}×` : '–';
    };
    return [label, ...daemons.map((target) => cpuOf(target)?.toFixed(0) ?? '–'), ...(base ? others.map(againstBase) : [])];
  });
  return `\nDaemon CPU time per MiB moved (user + system, all threads; median of the rounds):\n\n${markdownTable(header, rows)}\n`;
}
