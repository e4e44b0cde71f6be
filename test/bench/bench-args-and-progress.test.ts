/**
 * Guards how the fio bench is driven from make: BENCH_ARGS reach the runner and override what a
 * target sets (the last value wins), `make bench-quick` leaves docs/ alone and plans under three
 * minutes, the plan line says how long a run should take, and without a terminal each run prints a
 * progress line.
 */
import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseBenchArgs, type BenchArgs } from '../../bench/bench-args.js';
import { benchProgress, expectedSeconds, planLine } from '../../bench/bench-progress.js';
import { TRANSPORT_CASES, benchMatrix } from '../../bench/bench-cases.js';
import { benchPlan, type BenchTarget } from '../../bench/fio-bench.js';
import { projectFile } from '../../src/util/project-file.js';

/** The runner's five targets, as run-fio-bench.ts makes them. */
const targets: BenchTarget[] = ['coherefs-kernel', 'coherefs-libfuse', 'passthrough_ll', 'ceiling', 'image-file'].map((name) => ({ name, directory: `/mnt/${name}` }));

function planOf(args: BenchArgs): ReturnType<typeof benchPlan> {
  return benchPlan({
    targets, cases: benchMatrix(args.jobs), runtimeSeconds: Number(args.runtime), repeat: Number(args.repeat), maxTotalSeconds: Number(args.maxTotal),
  });
}

/** The runner's arguments in a make target's recipe, before $(BENCH_ARGS). */
async function recipeArgs(target: string): Promise<string[]> {
  const makefile = await readFile(projectFile('Makefile'), 'utf8');
  const recipe = new RegExp(`^${target}:.*\\n\\tnode dist/bench/run-fio-bench\\.js(.*) \\$\\(BENCH_ARGS\\)$`, 'm').exec(makefile);
  if (!recipe) throw new Error(`no recipe for ${target} passing $(BENCH_ARGS) to the runner`);
  return recipe[1]!.trim().split(/\s+/).filter((arg) => arg !== '');
}

/** A stream that is not a terminal, and what was written to it. */
function pipe(): { out: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { out: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('driving the fio bench', () => {
  afterEach(() => vi.restoreAllMocks());

  it('defaults to the whole matrix, 3 rounds, and writing docs/', () => {
    expect(parseBenchArgs([])).toMatchObject({ runtime: '5', repeat: '3', maxTotal: '900', size: '128M', jobs: [1, 4], docs: true });
  });

  it('lets a later option win, so BENCH_ARGS override a target', () => {
    expect(parseBenchArgs(['--runtime', '2', '--jobs', '1', '--runtime', '3', '--jobs', '4,1'])).toMatchObject({ runtime: '3', jobs: [1, 4] });
  });

  it('refuses job counts the matrix does not have', () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // commander's message
    for (const jobs of ['3', '1,2', '', 'x']) {
      expect(() => parseBenchArgs(['--jobs', jobs]), jobs).toThrow(CommanderError);
    }
  });

  it('plans make bench-quick as under three minutes that leave docs/ alone', async () => {
    const args = parseBenchArgs(await recipeArgs('bench-quick'));
    expect(args.docs).toBe(false);
    const plan = planOf(args);
    expect(plan.cases.filter((c) => c.numjobs !== 1)).toEqual(TRANSPORT_CASES);
    expect(expectedSeconds(plan)).toBeGreaterThan(60);
    expect(expectedSeconds(plan)).toBeLessThan(180);
  });

  it('passes BENCH_ARGS on in make bench, which writes docs/', async () => {
    expect(parseBenchArgs(await recipeArgs('bench')).docs).toBe(true);
  });

  it('says before the first run how many runs there are and how long they should take', () => {
    expect(planLine(planOf(parseBenchArgs(['--jobs', '1', '--repeat', '1', '--runtime', '1'])), targets)).toBe(
      'fio bench: 50 runs of 1 s (10 cases × 5 targets × 1 round): expect about 2 min',
    );
    expect(planLine(planOf(parseBenchArgs([])), targets)).toMatch(/^fio bench: 270 runs of 3 s \(18 cases × 5 targets × 3 rounds\): expect about \d+ min$/);
  });

  it('prints a line as each run starts when not on a terminal', () => {
    const plan = planOf(parseBenchArgs(['--jobs', '1', '--repeat', '2']));
    const { out, text } = pipe();
    const progress = benchProgress(plan, out);
    const [first, second] = plan.cases;
    progress.start(first!, targets[0]!, 1);
    progress.finish();
    progress.start(first!, targets[1]!, 1);
    progress.finish();
    progress.start(second!, targets[3]!, 2);
    progress.stop();
    expect(text()).toBe([
      '[1/100] 4k randread buffered ×1: coherefs-kernel, round 1/2',
      '[2/100] 4k randread buffered ×1: coherefs-libfuse, round 1/2',
      '[3/100] 4k randread direct ×1: ceiling, round 2/2',
      '',
    ].join('\n'));
  });
});
