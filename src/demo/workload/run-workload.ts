/**
 * The versioned-block coherence workload, as separate processes on one file in `dir`: writers doing
 * O_DIRECT pwrites (or native AIO writes, python3), readers doing buffered reads, optional mmap
 * readers (python3); all run by one CLOCK_MONOTONIC schedule, then their logs are judged offline
 * (analyze-staleness.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpOnSignal } from '../../util/cleanup-on-signal.js';
import { projectFile } from '../../util/project-file.js';
import { analyzeStaleness, type CoherenceReport } from './analyze-staleness.js';
import type { ProcessConfig } from './process-config.js';
import { loadSamples } from './sample-log.js';
import { encodeBlock } from './versioned-block.js';

export interface WorkloadOptions {
  /** A directory on the filesystem under test (a coherefs mount, or a plain directory). */
  dir: string;
  seconds: number;
  writers: number;
  readers: number;
  blocks: number;
  /** A multiple of 512 (O_DIRECT); default 4096. */
  blockSize?: number;
  mmapReaders?: number;
  /** The mmap readers keep one MAP_SHARED map of the file open (the kernel transport only). */
  sharedMaps?: boolean;
  /** Writers submit each O_DIRECT write with Linux native AIO (io_submit) instead of pwrite. */
  aioWriters?: boolean;
  /** Width of the stale-over-time buckets; default 0.25 s. */
  bucketSeconds?: number;
}

export interface WorkloadResult extends CoherenceReport {
  options: WorkloadOptions;
}

/** Once every process is ready, the window opens this much later (time to read the start line). */
const START_LEAD_NS = 50_000_000n;
/** A process that is not ready by then is reported instead of waited for. */
const READY_TIMEOUT_MS = 120_000;

function validate(options: WorkloadOptions): number {
  const blockSize = options.blockSize ?? 4096;
  if (blockSize < 512 || blockSize % 512 !== 0) throw new Error(`blockSize must be a multiple of 512: ${blockSize}`);
  if (!(options.seconds > 0)) throw new Error(`seconds must be positive: ${options.seconds}`);
  if (!Number.isInteger(options.writers) || options.writers < 1) throw new Error(`need at least one writer: ${options.writers}`);
  if (!Number.isInteger(options.blocks) || options.blocks < options.writers) throw new Error(`need at least one block per writer: ${options.blocks}`);
  if (!Number.isInteger(options.readers) || options.readers < 0) throw new Error(`readers must be a count: ${options.readers}`);
  return blockSize;
}

/** Version 0 of every block, on stable storage before the processes start. */
async function writeInitialBlocks(file: string, blocks: number, blockSize: number): Promise<void> {
  const image = Buffer.alloc(blocks * blockSize);
  for (let block = 0; block < blocks; block++) encodeBlock(image.subarray(block * blockSize, (block + 1) * blockSize), block, 0);
  const handle = await open(file, 'w');
  try {
    await handle.write(image, 0, image.length, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface WorkloadProcess {
  ready: Promise<void>;
  done: Promise<void>;
  start(window: string): void;
}

/** Spawn one workload process: it says `ready` on stdout and waits for its window on stdin. */
function spawnProcess(command: string, args: string[]): WorkloadProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // Interrupted: the process goes too (it would keep the mount busy), and with it its log file.
  const forget = cleanUpOnSignal(() => child.kill('SIGKILL'));
  child.once('close', forget);
  // A process that died early cannot take its window: `done` reports why, the pipe's EPIPE adds nothing.
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${args[0]} exited ${code ?? signal}: ${stderr.trim()}`)),
    );
  });
  const ready = new Promise<void>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('ready\n')) resolve();
    });
    done.then(() => reject(new Error(`${args[0]} exited before it was ready`)), reject);
  });
  return { ready, done, start: (window) => child.stdin.end(window) };
}

/** Resolves when every process is ready; rejects if one dies first or the timeout passes. */
async function allReady(processes: WorkloadProcess[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`workload processes not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.all(processes.map((p) => p.ready)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runCoherenceWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const blockSize = validate(options);
  const file = join(options.dir, `coherence-${process.pid}.dat`);
  const logDir = await mkdtemp(join(tmpdir(), 'coherefs-workload-'));
  const forgetLogs = cleanUpOnSignal(() => rm(logDir, { recursive: true, force: true }));
  try {
    await writeInitialBlocks(file, options.blocks, blockSize);
    const baseNs = process.hrtime.bigint();
    const config = (role: string, actor: number): ProcessConfig => ({
      file,
      log: join(logDir, `${role}-${actor}.log`),
      actor,
      writers: options.writers,
      blocks: options.blocks,
      blockSize,
      baseNs: `${baseNs}`,
      ...(options.sharedMaps ? { sharedMap: true } : {}),
    });
    const nodeProcess = (script: string, settings: ProcessConfig) => ({
      command: process.execPath,
      args: [projectFile(`dist/src/demo/workload/${script}`), JSON.stringify(settings)],
      log: settings.log,
    });
    const pythonProcess = (script: string, settings: ProcessConfig) => ({
      command: 'python3',
      args: [projectFile(`src/demo/workload/${script}`), JSON.stringify(settings)],
      log: settings.log,
    });
    const writerProcess = (settings: ProcessConfig) =>
      options.aioWriters ? pythonProcess('aio-writer.py', settings) : nodeProcess('writer-process.js', settings);
    const { writers, readers } = options;
    const processes = [
      ...Array.from({ length: writers }, (_, actor) => writerProcess(config('writer', actor))),
      ...Array.from({ length: readers }, (_, actor) => nodeProcess('reader-process.js', config('reader', actor))),
      ...Array.from({ length: options.mmapReaders ?? 0 }, (_, i) => pythonProcess('mmap-reader.py', config('mmap', readers + i))),
    ];
    const running = processes.map(({ command, args }) => spawnProcess(command, args));
    try {
      await allReady(running);
    } finally {
      const startNs = process.hrtime.bigint() + START_LEAD_NS;
      const untilNs = startNs + BigInt(Math.round(options.seconds * 1e9));
      for (const p of running) p.start(`${startNs} ${untilNs}\n`);
    }
    await Promise.all(running.map((p) => p.done));
    const samples = processes.flatMap(({ log }) => loadSamples(log));
    return { options, ...analyzeStaleness(samples, options.bucketSeconds) };
  } finally {
    await rm(logDir, { recursive: true, force: true });
    await rm(file, { force: true });
    forgetLogs();
  }
}
