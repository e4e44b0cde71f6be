/**
 * The fio matrix — 4k randread, 4k randwrite, 128k read, 128k write; buffered and O_DIRECT; 1 and 4
 * jobs; and the transport cases, 1 MiB direct reads and 4k direct writes with 2 jobs — against
 * several targets in one invocation, reported as ratios to a baseline target (libfuse 3's
 * passthrough_ll over a host directory: a C daemon outside this project). Each case runs in several rounds of every target
 * in turn; figures are medians over the rounds and ratios are paired within a round, because single
 * runs on a busy machine vary by a third. Writes JSON (every sample), a Markdown table and a chart.
 */
import { readFileSync } from 'node:fs';
import { mkdir, open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runFio, type FioJob } from '../tools/fio.js';
import { barChart, rangeChart, svgToPng } from '../src/util/plot.js';
import { projectRoot } from '../src/util/project-file.js';
import { benchMatrix } from './bench-cases.js';
import { benchMarkdown } from './bench-table.js';
import { benchProgress, planLine } from './bench-progress.js';
import type { HandOffReport } from './hand-off.js';
import type { TargetSummary } from './paired-ratios.js';
import { measureRoundRobin } from './round-robin.js';

export interface BenchTarget {
  /** "coherefs-kernel", "image-file", "passthrough_ll", "ceiling", ... */
  name: string;
  /** A directory (a mount: one file per job) or a plain file (all jobs share it). */
  directory?: string;
  filename?: string;
  /** The daemon serving the target, for its peak RSS (VmHWM). */
  pid?: number;
}

export interface BenchCase {
  label: string;
  rw: 'randread' | 'randwrite' | 'read' | 'write';
  /** fio's block size: 4k, 128k or 1m. */
  bs: string;
  direct: boolean;
  numjobs: number;
}

/** One (case, target): medians over the rounds, every round's sample, and paired ratios to the baseline. */
export interface BenchRow extends BenchCase, TargetSummary {}

export interface BenchOptions {
  targets: BenchTarget[];
  /** Seconds per fio run (default 5), shortened so the whole matrix fits in maxTotalSeconds. */
  runtimeSeconds?: number;
  /** Rounds per case (default 3); each round runs every target once, giving one paired sample. */
  repeat?: number;
  maxTotalSeconds?: number;
  /** File size per job (default 128M). */
  size?: string;
  /** The target the others are compared with (default "passthrough_ll"). */
  baseline?: string;
  cases?: BenchCase[];
  /** Default: bench/results under the project root. */
  outDir?: string;
  /** What the kernel transport's hand-off costs, measured beside the matrix (hand-off.ts). */
  handOff?: HandOffReport;
}

export interface BenchReport {
  runtimeSeconds: number;
  /** Rounds per case: the rows' figures are medians over them. */
  repeat: number;
  baseline: string;
  rows: BenchRow[];
  /** Peak resident memory per target with a pid, in KiB. */
  peakRssKiB: Record<string, number>;
  handOff?: HandOffReport;
  files: { json: string; markdown: string; svg: string; png: string; ratiosSvg: string; ratiosPng: string };
}

const FILE_PREFIX = 'fio-bench';

/**
 * Left out of the ratio chart: not a FUSE daemon but the kernel's page cache over the disk, whose
 * buffered writes run at 10× the daemons' and would flatten the chart.
 */
const NOT_CHARTED = 'image-file';

/** Peak resident set of a process, from /proc/PID/status (VmHWM, KiB). */
export function peakRssKiB(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]);
}

/**
 * CPU time a process has used, user and system, all its threads (/proc/PID/stat utime + stime), in
 * ms. The kernel reports it in USER_HZ ticks, 100 a second on Linux whatever its own HZ.
 */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command, which is in parentheses and may hold spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const USER_HZ = 100;
  return ((Number(fields[14 - 3]) + Number(fields[15 - 3])) * 1000) / USER_HZ;
}

function fioJob(target: BenchTarget, test: BenchCase, runtime: number, size: string): FioJob {
  // One job name for every case: the files fio lays out once are reused by the later cases.
  return {
    name: FILE_PREFIX,
    ...(target.directory !== undefined ? { directory: target.directory } : { filename: target.filename! }),
    rw: test.rw,
    bs: test.bs,
    size,
    direct: test.direct,
    numjobs: test.numjobs,
    runtime,
  };
}

/** The files fio laid out for a target: one per job in a directory, or the one file. */
async function laidOutFiles(target: BenchTarget): Promise<string[]> {
  if (target.directory === undefined) return [target.filename!];
  const names = await readdir(target.directory);
  return names.filter((name) => name.startsWith(`${FILE_PREFIX}.`)).map((name) => join(target.directory!, name));
}

/**
 * fsync what a run wrote: its writeback is part of its cost (the daemon's CPU per MiB counts it),
 * and the next run starts with nothing dirty instead of paying for this one's writeback.
 */
async function syncLaidOutFiles(target: BenchTarget): Promise<void> {
  for (const path of await laidOutFiles(target)) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

async function removeLaidOutFiles(target: BenchTarget): Promise<void> {
  if (target.directory === undefined) return;
  for (const path of await laidOutFiles(target)) await rm(path, { force: true });
}

async function writeReport(report: Omit<BenchReport, 'files'>, outDir: string): Promise<BenchReport['files']> {
  await mkdir(outDir, { recursive: true });
  const files = {
    json: join(outDir, `${FILE_PREFIX}.json`),
    markdown: join(outDir, `${FILE_PREFIX}.md`),
    svg: join(outDir, `${FILE_PREFIX}.svg`),
    png: join(outDir, `${FILE_PREFIX}.png`),
    ratiosSvg: join(outDir, `${FILE_PREFIX}-ratios.svg`),
    ratiosPng: join(outDir, `${FILE_PREFIX}-ratios.png`),
  };
  const svg = await barChart({
    title: `fio throughput per target (median of ${report.repeat} rounds of ${report.runtimeSeconds} s)`,
    rows: report.rows.map((row) => ({ case: row.label, target: row.target, 'MB/s': row.mbPerSecond, size: `${row.bs} requests` })),
    x: 'case',
    y: 'MB/s',
    series: 'target',
    panel: 'size',
    width: 700,
    height: 220,
  });
  const ratiosSvg = await rangeChart({
    title: `MB/s against ${report.baseline}: median of ${report.repeat} paired rounds (whiskers: lowest and highest; dashed: as fast as ${report.baseline})`,
    rows: report.rows
      .filter((row) => row.target !== NOT_CHARTED && row.ratio !== undefined)
      .map((row) => ({
        case: row.label, target: row.target, ratio: row.ratio!, low: row.ratioMin ?? row.ratio!, high: row.ratioMax ?? row.ratio!,
        goal: 1, size: `${row.bs} requests`,
      })),
    x: 'case',
    y: 'ratio',
    series: 'target',
    panel: 'size',
    low: 'low',
    high: 'high',
    goal: 'goal',
    width: 700,
    height: 220,
  });
  await writeFile(files.json, JSON.stringify(report, null, 2) + '\n');
  await writeFile(files.markdown, benchMarkdown(report));
  await writeFile(files.svg, svg);
  await writeFile(files.png, svgToPng(svg));
  await writeFile(files.ratiosSvg, ratiosSvg);
  await writeFile(files.ratiosPng, svgToPng(ratiosSvg));
  return files;
}

export interface BenchPlan {
  cases: BenchCase[];
  baseline: string;
  repeat: number;
  /** fio runs in the whole matrix: cases × targets × repeat. */
  runs: number;
  /** Seconds per run, shortened so that all runs fit in maxTotalSeconds. */
  runtimeSeconds: number;
  size: string;
}

/** The options with their defaults filled in, checked before anything runs. */
export function benchPlan(options: BenchOptions): BenchPlan {
  const cases = options.cases ?? benchMatrix();
  const repeat = options.repeat ?? 3;
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`repeat must be a whole number of rounds, at least 1: ${repeat}`);
  const runs = cases.length * options.targets.length * repeat;
  if (runs === 0) throw new Error('nothing to run: no targets or no cases');
  for (const target of options.targets) {
    if ((target.directory === undefined) === (target.filename === undefined)) throw new Error(`target ${target.name}: give a directory or a file`);
  }
  const requested = options.runtimeSeconds ?? 5;
  if (!Number.isInteger(requested) || requested < 1) throw new Error(`runtime must be a whole number of seconds, at least 1: ${requested}`);
  const budget = options.maxTotalSeconds ?? 15 * 60;
  const fitting = Math.floor(budget / runs);
  if (!(fitting >= 1)) throw new Error(`${runs} fio runs of at least 1 s do not fit in ${budget} s: raise the total or lower the repeat`);
  return { cases, baseline: options.baseline ?? 'passthrough_ll', repeat, runs, runtimeSeconds: Math.min(requested, fitting), size: options.size ?? '128M' };
}

export async function runFioBench(options: BenchOptions): Promise<BenchReport> {
  const plan = benchPlan(options);
  const { cases, baseline, repeat, runtimeSeconds, size } = plan;
  process.stderr.write(`${planLine(plan, options.targets)}\n`);
  const progress = benchProgress(plan);
  const peakRss: Record<string, number> = {};
  let rows: BenchRow[];
  try {
    rows = await measureRoundRobin(cases, options.targets, repeat, baseline, async (test, target, round) => {
      progress.start(test, target, round);
      const cpuBefore = target.pid === undefined ? 0 : cpuTimeMs(target.pid);
      const result = await runFio(fioJob(target, test, runtimeSeconds, size));
      await syncLaidOutFiles(target);
      const side = test.rw.endsWith('read') ? result.read : result.write;
      progress.finish();
      const sample = { mbPerSecond: side.bytesPerSecond / 1e6, iops: side.iops };
      if (target.pid === undefined || side.ioBytes === 0) return sample;
      return { ...sample, cpuUsPerMiB: ((cpuTimeMs(target.pid) - cpuBefore) * 1000) / (side.ioBytes / 2 ** 20) };
    });
    for (const target of options.targets) {
      if (target.pid !== undefined) peakRss[target.name] = peakRssKiB(target.pid);
      await removeLaidOutFiles(target);
    }
  } finally {
    progress.stop();
  }
  const report = { runtimeSeconds, repeat, baseline, rows, peakRssKiB: peakRss, ...(options.handOff ? { handOff: options.handOff } : {}) };
  return { ...report, files: await writeReport(report, options.outDir ?? join(projectRoot(), 'bench', 'results')) };
}
