/**
 * `make bench` keeps docs/benchmarks.md current: the latest run's tables replace what stands between
 * the two results markers there, and its ratio chart replaces docs/bench-ratios.png. The rest of the
 * page (the method) is written by hand; nothing keeps older runs (their figures are in git history).
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/util/project-file.js';
import { benchMarkdown } from './bench-table.js';
import type { BenchReport } from './fio-bench.js';

export const RESULTS_BEGIN = '<!-- bench results: written by make bench (bench/bench-docs.ts); edits up to the end marker are overwritten -->';
export const RESULTS_END = '<!-- end of bench results -->';

export interface BenchDocs {
  /** The Markdown page holding the markers. */
  page: string;
  /** Where the ratio chart (PNG) goes; the page shows it by this name, relative to itself. */
  chart: string;
}

export const DEFAULT_BENCH_DOCS: BenchDocs = {
  page: join(projectRoot(), 'docs', 'benchmarks.md'),
  chart: join(projectRoot(), 'docs', 'bench-ratios.png'),
};

/** Where the results go in `page`: throws, naming the markers, when they are missing or out of order. */
function resultsSpan(page: string): { start: number; end: number } {
  const begin = page.indexOf(RESULTS_BEGIN);
  const end = page.indexOf(RESULTS_END);
  if (begin < 0 || end < begin) throw new Error(`the page has no results section: it needs the lines\n${RESULTS_BEGIN}\n${RESULTS_END}`);
  return { start: begin + RESULTS_BEGIN.length, end };
}

/** `page` with `results` between its markers, everything else as it was. */
export function replaceResults(page: string, results: string): string {
  const { start, end } = resultsSpan(page);
  return `${page.slice(0, start)}\n${results.trim()}\n${page.slice(end)}`;
}

/** Fails before a long run when the page cannot take its results. */
export async function checkBenchDocs(docs: BenchDocs): Promise<void> {
  try {
    resultsSpan(await readFile(docs.page, 'utf8'));
  } catch (err) {
    throw new Error(`${docs.page}: ${(err as Error).message}`);
  }
}

/** What the run was: the command's arguments and the machine, above the tables. */
function runLine(args: readonly string[]): string {
  const command = ['node dist/bench/run-fio-bench.js', ...args].join(' ');
  return `Run \`${command}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Linux ${release()}.`;
}

/** Writes the run's tables into the page and its ratio chart next to it. */
export async function updateBenchDocs(report: BenchReport, args: readonly string[], docs: BenchDocs = DEFAULT_BENCH_DOCS): Promise<void> {
  const chartName = docs.chart.slice(docs.chart.lastIndexOf('/') + 1);
  const chart = `![each daemon's MB/s against ${report.baseline} per case, coherefs's two transports side by side: bars are medians of ${report.repeat} paired rounds, whiskers the lowest and highest round, the dashed line parity](${chartName})`;
  const results = [runLine(args), chart, benchMarkdown(report)].join('\n\n');
  const page = await readFile(docs.page, 'utf8');
  await copyFile(report.files.ratiosPng, docs.chart);
  await writeFile(docs.page, replaceResults(page, results));
}
