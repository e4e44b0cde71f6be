/**
 * `demo race`: the same coherence workload on a fresh image in each coherence mode, each on a real
 * mount served by its own daemon process: O_DIRECT writer processes against buffered reader
 * processes (phase 1), then against mmap reader processes (phase 2). On the kernel transport the
 * mmap readers keep one MAP_SHARED map of the file open, so the kernel's page cache is in the
 * race too; on libfuse (no MAP_SHARED) they map MAP_PRIVATE per read. Each image is unmounted (the
 * daemon writes back and releases it) and checked with fsck.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsck, mkfs } from '../../fs/api.js';
import type { Transport } from '../../fuse/api.js';
import type { CoherenceMode } from '../../mm/api.js';
import { cleanUpOnSignal } from '../../util/cleanup-on-signal.js';
import { startDaemonMount } from '../../util/daemon-mount.js';
import { projectFile } from '../../util/project-file.js';
import type { CoherenceReport } from '../workload/analyze-staleness.js';
import { runCoherenceWorkload, type WorkloadOptions } from '../workload/run-workload.js';

export const RACE_MODES: readonly CoherenceMode[] = ['none', 'evict', 'locked'];
export type ReaderKind = 'buffered' | 'mmap';

export interface RaceOptions {
  /** Seconds of workload per mode, split evenly between the buffered and the mmap phase. */
  seconds: number;
  /**
   * The dio_evict_delay_ms fault injection, the same for every mode (0: off). Without it the
   * `evict` window is a few microseconds wide and shows stale reads only in some runs.
   */
  dioEvictDelayMs: number;
  /** Which transport serves the mounts; on `kernel` the mmap readers share one map each. */
  transport: Transport;
  modes?: readonly CoherenceMode[];
  onProgress?: (progress: RaceProgress) => void;
}

export interface RaceProgress {
  mode: CoherenceMode;
  step: 'mkfs' | 'mount' | ReaderKind | 'unmount' | 'fsck' | 'done';
  /** Of the whole demo, 0..1. */
  fraction: number;
}

/** One phase of one mode: the workload's report (its `writes` are the direct writes). */
export interface RaceRow extends CoherenceReport {
  mode: CoherenceMode;
  readers: ReaderKind;
}

export interface RaceModeResult {
  mode: CoherenceMode;
  /** Where it was mounted (unmounted and removed again by the time the result is returned). */
  mountpoint: string;
  rows: RaceRow[];
  fsck: { clean: boolean; problems: string[] };
}

export interface RaceResult {
  seconds: number;
  dioEvictDelayMs: number;
  transport: Transport;
  workload: Omit<WorkloadOptions, 'dir' | 'seconds'>;
  modes: RaceModeResult[];
}

/** One writer (the stale-read rule needs the writes of a block ordered) against two readers, 16 blocks. */
const WORKLOAD = { writers: 1, blocks: 16, bucketSeconds: 0.25 } as const;
const READERS_PER_PHASE = 2;
const IMAGE_SIZE = 256 * 2 ** 20;
const PROGRESS_TICK_MS = 200;

async function runPhase(
  dir: string, readers: ReaderKind, seconds: number, sharedMaps: boolean, onTick: (fraction: number) => void,
): Promise<Omit<RaceRow, 'mode'>> {
  const began = Date.now();
  const ticker = setInterval(() => onTick(Math.min(1, (Date.now() - began) / 1000 / seconds)), PROGRESS_TICK_MS);
  try {
    const result = await runCoherenceWorkload({
      dir,
      seconds,
      ...WORKLOAD,
      readers: readers === 'buffered' ? READERS_PER_PHASE : 0,
      mmapReaders: readers === 'mmap' ? READERS_PER_PHASE : 0,
      sharedMaps,
    });
    const { writes, reads, staleReads, stalePercent, worstStaleness, tornReads, tornWhileWriting, staleOverTime } = result;
    return { readers, writes, reads, staleReads, stalePercent, worstStaleness, tornReads, tornWhileWriting, staleOverTime };
  } finally {
    clearInterval(ticker);
  }
}

async function runMode(mode: CoherenceMode, options: RaceOptions, report: (step: RaceProgress['step'], within: number) => void): Promise<RaceModeResult> {
  const dir = await mkdtemp(join(tmpdir(), `coherefs-demo-${mode}-`));
  const forgetDir = cleanUpOnSignal(() => rm(dir, { recursive: true, force: true }));
  const image = join(dir, 'disk.img');
  try {
    report('mkfs', 0);
    await mkfs(image, { size: IMAGE_SIZE, force: false });
    report('mount', 0.02);
    const mount = await startDaemonMount({
      command: process.execPath,
      args: [projectFile('dist/src/cli/main.js'), 'mount', image, '{mountpoint}', '-f', '-o', `coherence=${mode},dio_evict_delay_ms=${options.dioEvictDelayMs},transport=${options.transport}`],
    });
    const rows: RaceRow[] = [];
    try {
      const phaseSeconds = options.seconds / 2;
      for (const [phase, readers] of (['buffered', 'mmap'] as const).entries()) {
        const sharedMaps = options.transport === 'kernel';
        const row = await runPhase(mount.mountpoint, readers, phaseSeconds, sharedMaps, (f) => report(readers, 0.05 + 0.45 * (phase + f)));
        rows.push({ ...row, mode });
      }
      report('unmount', 0.95);
    } finally {
      await mount.teardown();
    }
    report('fsck', 0.98);
    const check = await fsck(image);
    return { mode, mountpoint: mount.mountpoint, rows, fsck: { clean: check.clean, problems: check.problems } };
  } finally {
    await rm(dir, { recursive: true, force: true });
    forgetDir();
  }
}

export async function runRaceDemo(options: RaceOptions): Promise<RaceResult> {
  if (!(options.seconds > 0)) throw new Error(`seconds must be positive: ${options.seconds}`);
  const modes = options.modes ?? RACE_MODES;
  const results: RaceModeResult[] = [];
  for (const [index, mode] of modes.entries()) {
    const report = (step: RaceProgress['step'], within: number) =>
      options.onProgress?.({ mode, step, fraction: (index + within) / modes.length });
    results.push(await runMode(mode, options, report));
    report('done', 1);
  }
  return {
    seconds: options.seconds,
    dioEvictDelayMs: options.dioEvictDelayMs,
    transport: options.transport,
    workload: { ...WORKLOAD, readers: READERS_PER_PHASE, mmapReaders: READERS_PER_PHASE, sharedMaps: options.transport === 'kernel' },
    modes: results,
  };
}
