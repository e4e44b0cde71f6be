/**
 * What each workload process is told (as one JSON argument), and the shared clock it runs by:
 * each process sets up, says `ready` on stdout, and reads the window `startNs untilNs`
 * (CLOCK_MONOTONIC) from stdin once every process is ready; samples are logged relative to `baseNs`.
 */
import { readSync, writeSync } from 'node:fs';

export interface ProcessConfig {
  file: string;
  log: string;
  actor: number;
  /** Writers: how many there are; writer `actor` owns the blocks b with b % writers === actor. */
  writers: number;
  blocks: number;
  blockSize: number;
  /** A decimal string: bigint nanoseconds do not survive JSON. */
  baseNs: string;
  /** mmap readers: keep one MAP_SHARED map of the whole file instead of a private map per sample. */
  sharedMap?: boolean;
}

export interface RunWindow {
  startNs: bigint;
  untilNs: bigint;
}

export function parseProcessConfig(argv: string[]): ProcessConfig {
  const json = argv[2];
  if (!json) throw new Error('usage: <process> <config json>');
  return JSON.parse(json) as ProcessConfig;
}

/** Nanoseconds since the shared base, as a Number (exact below 2^53 ns, about 104 days). */
export function clockNs(baseNs: bigint): number {
  return Number(process.hrtime.bigint() - baseNs);
}

/** Say ready, read the shared window, then sleep (without spinning) until it opens. */
export function awaitStart(): RunWindow {
  writeSync(1, 'ready\n');
  const chunk = Buffer.alloc(64);
  let line = '';
  while (!line.includes('\n')) {
    const bytes = readSync(0, chunk);
    if (bytes === 0) throw new Error('the workload coordinator went away before the start');
    line += chunk.toString('utf8', 0, bytes);
  }
  const [startNs, untilNs] = line.trim().split(' ').map(BigInt) as [bigint, bigint];
  const remainingMs = Number(startNs - process.hrtime.bigint()) / 1e6;
  if (remainingMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, remainingMs);
  return { startNs, untilNs };
}
