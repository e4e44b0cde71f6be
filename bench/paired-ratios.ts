/**
 * Summarising repeated benchmark rounds. One round measures every target once, seconds apart, so a
 * target's ratio to the baseline is taken within each round (a paired sample) and only then reduced
 * to its median: the machine's drift between rounds cancels out in each pair, whereas dividing one
 * target's median by the baseline's median would compare runs made minutes apart.
 */

/** One fio run's throughput, and for a daemon target the CPU time it spent per MiB moved. */
export interface Sample {
  mbPerSecond: number;
  iops: number;
  cpuUsPerMiB?: number;
}

/** One round: a sample per target name. */
export type Round = Record<string, Sample>;

export interface TargetSummary {
  target: string;
  /** Medians over the rounds. */
  mbPerSecond: number;
  iops: number;
  /** Every round's MB/s and IOPS, in round order. */
  samples: number[];
  iopsSamples: number[];
  /** Median of the per-round ratios of MB/s to the baseline's (absent for the baseline itself). */
  ratio?: number;
  ratioMin?: number;
  ratioMax?: number;
  /** The per-round ratios, in round order (rounds where the baseline measured 0 are left out). */
  ratios?: number[];
  /** Median CPU time of the daemon per MiB moved, all its threads, in µs (targets with a pid), and every round's. */
  cpuUsPerMiB?: number;
  cpuSamples?: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function pairedRatios(rounds: readonly Round[], target: string, baseline: string): Pick<TargetSummary, 'ratio' | 'ratioMin' | 'ratioMax' | 'ratios'> {
  const ratios = rounds.flatMap((round) => {
    const base = round[baseline];
    const sample = round[target];
    return base && sample && base.mbPerSecond > 0 ? [sample.mbPerSecond / base.mbPerSecond] : [];
  });
  if (ratios.length === 0) return {};
  return { ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios), ratios };
}

/** Per target (in order of first appearance): medians over the rounds and, against the baseline, paired ratios. */
export function summarizeRounds(rounds: readonly Round[], baseline: string): TargetSummary[] {
  const targets = [...new Set(rounds.flatMap((round) => Object.keys(round)))];
  return targets.map((target) => {
    const measured = rounds.flatMap((round) => (round[target] ? [round[target]] : []));
    const samples = measured.map((sample) => sample.mbPerSecond);
    const iopsSamples = measured.map((sample) => sample.iops);
    const cpuSamples = measured.flatMap((sample) => (sample.cpuUsPerMiB === undefined ? [] : [sample.cpuUsPerMiB]));
    const cpu = cpuSamples.length ? { cpuUsPerMiB: median(cpuSamples), cpuSamples } : {};
    const summary = { target, mbPerSecond: median(samples), iops: median(iopsSamples), samples, iopsSamples, ...cpu };
    return target === baseline ? summary : { ...summary, ...pairedRatios(rounds, target, baseline) };
  });
}
