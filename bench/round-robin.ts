/**
 * The order of the benchmark's runs: case by case, round after round, every target in turn within a
 * round. A round's runs are seconds apart, so drift in the machine's speed (other work, thermal
 * throttling, writeback of an earlier case) cancels out of that round's ratios.
 */
import type { BenchCase, BenchRow, BenchTarget } from './fio-bench.js';
import { summarizeRounds, type Round, type Sample } from './paired-ratios.js';

/** One run of one case against one target; round counts from 1. */
export type MeasureRun = (test: BenchCase, target: BenchTarget, round: number) => Promise<Sample>;

/** Rows per (case, target), in case order: medians over `repeat` rounds and paired ratios to the baseline. */
export async function measureRoundRobin(
  cases: readonly BenchCase[],
  targets: readonly BenchTarget[],
  repeat: number,
  baseline: string,
  measure: MeasureRun,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const test of cases) {
    const rounds: Round[] = [];
    for (let round = 1; round <= repeat; round++) {
      const samples: Round = {};
      for (const target of targets) samples[target.name] = await measure(test, target, round);
      rounds.push(samples);
    }
    rows.push(...summarizeRounds(rounds, baseline).map((summary) => ({ ...test, ...summary })));
  }
  return rows;
}
