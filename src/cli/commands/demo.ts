/**
 * `coherefs demo race [--seconds N] [--json] [--out DIR] [--fault-delay MS] [--transport T]` and
 * `coherefs demo deadlock [--json]`: the bug and the fix side by side (src/demo). Exit 0 when the
 * demonstration showed what it claims, 1 otherwise (e.g. `locked` returned a stale read).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { RaceProgress, ScenarioResult } from '../../demo/api.js';
import { TRANSPORTS, type Transport } from '../../fuse/api.js';

/**
 * The demo code and cli-progress load when a demo runs, not with the CLI: every `coherefs mount`
 * daemon would otherwise carry them (measured on an idle daemon after a full GC: 0.15 MiB of heap used, 0.25 MiB of heap total).
 */
const loadDemo = () => import('../../demo/api.js');

/** The evict window without injection is microseconds wide: stale reads in only some short runs. */
const DEFAULT_FAULT_DELAY_MS = 1;

function numberOption(name: string, min: number, max: number, integer: boolean) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return value;
  };
}

/** The kernel transport (shared mmaps in the race) needs root to mount; others get libfuse. */
const defaultTransport = (): Transport => (process.getuid?.() === 0 ? 'kernel' : 'libfuse');

function transportOption(text: string): Transport {
  const transport = TRANSPORTS.find((name) => name === text);
  if (!transport) throw new InvalidArgumentError(`--transport must be one of ${TRANSPORTS.join(', ')}`);
  return transport;
}

/** A bar on a TTY; otherwise one line per step, so logs of non-interactive runs show progress too. */
async function progressReporter(): Promise<{ update: (progress: RaceProgress) => void; stop: () => void }> {
  if (process.stderr.isTTY) {
    const { Presets, SingleBar } = await import('cli-progress');
    const bar = new SingleBar({ format: 'race [{bar}] {percentage}% | {mode}: {step}', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
    bar.start(100, 0, { mode: '', step: '' });
    return { update: (p) => bar.update(Math.round(p.fraction * 100), { mode: p.mode, step: p.step }), stop: () => bar.stop() };
  }
  let last = '';
  return {
    update: (p) => {
      const line = `${p.mode}: ${p.step}`;
      if (line !== last) process.stderr.write(`race ${Math.round(p.fraction * 100)}% ${(last = line)}\n`);
    },
    stop: () => undefined,
  };
}

function raceCommand(): Command {
  return new Command('race')
    .description('O_DIRECT writers vs buffered and mmap readers on real mounts, in each coherence mode')
    .option('-s, --seconds <n>', 'seconds of workload per mode (half buffered, half mmap readers)', numberOption('--seconds', 1, 3600, false), 10)
    .option('--fault-delay <ms>', 'dio_evict_delay_ms fault injection for every mode (0: off)', numberOption('--fault-delay', 0, 1000, true), DEFAULT_FAULT_DELAY_MS)
    .option('-t, --transport <name>', 'kernel (mmap readers keep a MAP_SHARED map; default as root) or libfuse (MAP_PRIVATE per read)', transportOption, defaultTransport())
    .option('-o, --out <dir>', 'where the plot goes', 'demo-results')
    .option('--json', 'print the result as JSON')
    .action(async (options: { seconds: number; faultDelay: number; transport: Transport; out: string; json?: boolean }) => {
      // The output directory first: a bad --out fails before minutes of work, not after.
      const out = resolve(options.out);
      await mkdir(out, { recursive: true });
      const { racePlot, raceSetup, raceTable, raceVerdict, runRaceDemo } = await loadDemo();
      const progress = await progressReporter();
      const result = await runRaceDemo({
        seconds: options.seconds, dioEvictDelayMs: options.faultDelay, transport: options.transport, onProgress: progress.update,
      })
        .finally(() => progress.stop());
      const plot = await racePlot(result);
      const files = { svg: join(out, 'race-stale-reads.svg'), png: join(out, 'race-stale-reads.png'), json: join(out, 'race.json') };
      const verdict = raceVerdict(result);
      const json = JSON.stringify({ ...result, ok: verdict.ok, plot: { svg: files.svg, png: files.png } }, null, 2);
      await Promise.all([writeFile(files.svg, plot.svg), writeFile(files.png, plot.png), writeFile(files.json, `${json}\n`)]);
      if (options.json) process.stdout.write(`${json}\n`);
      else {
        const lines = [raceSetup(result), '', raceTable(result), '', ...verdict.lines, '', `plot: ${files.png} (and .svg); JSON: ${files.json}`];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = verdict.ok ? 0 : 1;
    });
}

function describeScenario(s: ScenarioResult): string {
  const title = s.scenario === 'abba'
    ? 'ABBA: t1 direct-writes A from a view of B, t2 direct-writes B from a view of A'
    : 'self: a direct write to F from a view of F (source pages not resident)';
  const lines = [`${title}; fault-handler checks ${s.faultChecks.toUpperCase()}`];
  if (s.outcome === 'deadlock') {
    lines.push('  outcome: DEADLOCK (watchdog, wait-for report):', ...s.waitFor.split('\n').map((l) => `    ${l}`));
  } else if (s.outcome === 'refused') {
    lines.push(`  outcome: refused, no deadlock: ${s.error}`);
    lines.push('  (as bcachefs: bch2_page_fault returns VM_FAULT_SIGBUS when fdm == mapping; gup turns it into -EFAULT)');
  } else {
    lines.push(`  outcome: completed; data ${s.dataVerified ? 'verified' : 'WRONG'}`);
    if (s.locksDropped > 0) {
      lines.push("  (order A < B: t1's fault on B is in order and waits; t2's fault on A is out of order, so it tried A's add side,");
      lines.push("   dropped B's block side, waited for A, retook B's block side, and t2's write re-evicted and retried)");
    }
  }
  lines.push(`  locks dropped by the fault handler: ${s.locksDropped}; direct-write retries: ${s.dioRetries}; faults refused: ${s.faultErrors}`);
  return lines.join('\n');
}

/** What each scenario must show: deadlock with the checks off; with them on, done right or refused. */
function scenarioAsExpected(s: ScenarioResult): boolean {
  if (s.faultChecks === 'off') return s.outcome === 'deadlock';
  return s.scenario === 'abba' ? s.outcome === 'completed' && s.dataVerified === true : s.outcome === 'refused';
}

function deadlockCommand(): Command {
  return new Command('deadlock')
    .description('direct writes from mapped views (ABBA, same file) with faults_disabled_mapping checks off and on')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const { runDeadlockDemo } = await loadDemo();
      const result = await runDeadlockDemo();
      const ok = result.scenarios.every(scenarioAsExpected);
      if (options.json) process.stdout.write(`${JSON.stringify({ ...result, ok }, null, 2)}\n`);
      else process.stdout.write(`${result.scenarios.map(describeScenario).join('\n\n')}\n`);
      process.exitCode = ok ? 0 : 1;
    });
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('the demonstrations: stale reads without the lock (race), the mapped-buffer deadlock (deadlock)')
    .addCommand(raceCommand())
    .addCommand(deadlockCommand());
}
