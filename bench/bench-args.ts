/**
 * The options of the fio bench runner (run-fio-bench.ts; `make bench BENCH_ARGS='...'`). An option
 * given twice takes its last value, so BENCH_ARGS can override what `make bench-quick` sets.
 */
import { Command, InvalidArgumentError } from 'commander';

export interface BenchArgs {
  runtime: string;
  repeat: string;
  maxTotal: string;
  size: string;
  cacheSize: string;
  /** Job counts of the cases to run (the matrix has 1 and 4). */
  jobs: number[];
  coherefs?: string;
  coherefsPid?: string;
  docs: boolean;
}

const JOB_COUNTS = [1, 4];

function parseJobCounts(text: string): number[] {
  const counts = text.split(',').map(Number);
  if (counts.length === 0 || !counts.every((count) => JOB_COUNTS.includes(count))) {
    throw new InvalidArgumentError(`--jobs takes ${JOB_COUNTS.join(', ')} or both (comma separated), not '${text}'`);
  }
  return [...new Set(counts)].sort((a, b) => a - b);
}

/** The command line as the user typed it (`argv` without node and the script); usage errors throw a CommanderError. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  return new Command('run-fio-bench')
    .exitOverride()
    .option('--runtime <seconds>', 'seconds per fio run', '5')
    .option('--repeat <rounds>', 'rounds per case, every target in turn; medians and paired ratios over them', '3')
    .option('--max-total <seconds>', 'bound on the whole matrix (runs are shortened to fit)', '900')
    .option('--size <size>', 'file size per fio job', '128M')
    .option('--jobs <counts>', `the matrix's cases with these numbers of jobs: ${JOB_COUNTS.join(', ')} or both (the 2-job transport cases always run)`, parseJobCounts, JOB_COUNTS)
    .option('--cache-size <size>', 'cache_size of the coherefs mounts made here (one per transport)', '256M')
    .option('--coherefs <dir>', 'an already mounted coherefs to measure instead of the two made here')
    .option('--coherefs-pid <pid>', 'its daemon, for peak RSS')
    .option('--no-docs', 'leave docs/benchmarks.md and docs/bench-ratios.png as they are')
    .parse(argv, { from: 'user' })
    .opts<BenchArgs>();
}
