/**
 * What the fio bench shows while it runs: first the plan and how long it should take, then a bar on a
 * terminal, or elsewhere (make in CI, output sent to a file) one line as each fio run starts, so that
 * a long run is seen to move: `[3/64] 4k randread direct ×1: coherefs, round 1/3`.
 */
import cliProgress from 'cli-progress';
import type { BenchCase, BenchPlan, BenchTarget } from './fio-bench.js';

/** Beyond its runtime, each run starts fio and fsyncs what it wrote (measured: about 0.4 s). */
const RUN_OVERHEAD_SECONDS = 0.5;
/** Making and mounting the images, building passthrough_ll and mounting it and the ceiling, and fio laying out its files once per target. */
const SETUP_SECONDS = 20;

export interface BenchProgress {
  /** A run of `test` against `target` starts. */
  start(test: BenchCase, target: BenchTarget, round: number): void;
  /** That run is done. */
  finish(): void;
  stop(): void;
}

/** How long the whole bench should take, in seconds. */
export function expectedSeconds(plan: BenchPlan): number {
  return plan.runs * (plan.runtimeSeconds + RUN_OVERHEAD_SECONDS) + SETUP_SECONDS;
}

function duration(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

/** The line printed before the first run. */
export function planLine(plan: BenchPlan, targets: readonly BenchTarget[]): string {
  const rounds = plan.repeat === 1 ? '1 round' : `${plan.repeat} rounds`;
  return `fio bench: ${plan.runs} runs of ${plan.runtimeSeconds} s (${plan.cases.length} cases × ${targets.length} targets × ${rounds}): expect about ${duration(expectedSeconds(plan))}`;
}

/** Lines on `out` (its own line per run when it is not a terminal, a bar when it is). */
export function benchProgress(plan: BenchPlan, out: NodeJS.WriteStream = process.stderr): BenchProgress {
  if (!out.isTTY) {
    let run = 0;
    return {
      start: (test, target, round) => out.write(`[${++run}/${plan.runs}] ${test.label}: ${target.name}, round ${round}/${plan.repeat}\n`),
      finish: () => undefined,
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'fio {bar} {value}/{total} runs | round {round}/{repeat} | {target} | {case}', hideCursor: true, stream: out },
    cliProgress.Presets.shades_classic,
  );
  bar.start(plan.runs, 0, { round: 0, repeat: plan.repeat, target: '', case: '' });
  return {
    start: (test, target, round) => bar.update({ round, target: target.name, case: test.label }),
    finish: () => bar.increment(),
    stop: () => bar.stop(),
  };
}
