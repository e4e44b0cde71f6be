/**
 * Running fio and reading its JSON report (--output-format=json). A non-zero exit (failed verify,
 * IO error) is thrown with fio's own message; per-job errors are surfaced as well.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpOnSignal } from '../src/util/cleanup-on-signal.js';

export interface FioJob {
  name: string;
  /** fio's --directory (a mount) or --filename (a plain file); one of them. */
  directory?: string;
  filename?: string;
  rw: 'read' | 'write' | 'randread' | 'randwrite' | 'rw' | 'randrw';
  bs: string;
  size: string;
  direct?: boolean;
  numjobs?: number;
  /** Seconds; time_based when given. */
  runtime?: number;
  /** e.g. 'crc32c': write then read back and check (fio's --verify). */
  verify?: string;
  /** Any further `--key=value` options. */
  extra?: Record<string, string | number>;
}

export interface FioSide {
  bytesPerSecond: number;
  iops: number;
  ioBytes: number;
}

export interface FioResult {
  read: FioSide;
  write: FioSide;
  /** Sum of the jobs' error numbers: 0 when every job succeeded. */
  error: number;
}

interface FioJsonSide {
  bw_bytes: number;
  iops: number;
  io_bytes: number;
}
interface FioJson {
  jobs: Array<{ error: number; read: FioJsonSide; write: FioJsonSide }>;
}

export function fioArgs(job: FioJob, output: string): string[] {
  if ((job.directory === undefined) === (job.filename === undefined)) throw new Error('fio job needs exactly one of directory or filename');
  const options: Record<string, string | number> = {
    name: job.name,
    rw: job.rw,
    bs: job.bs,
    size: job.size,
    direct: job.direct ? 1 : 0,
    numjobs: job.numjobs ?? 1,
    ioengine: 'psync',
    fallocate: 'none',
    group_reporting: 1,
    'output-format': 'json',
    output,
    ...(job.directory !== undefined ? { directory: job.directory } : { filename: job.filename! }),
    ...(job.runtime !== undefined ? { runtime: job.runtime, time_based: 1 } : {}),
    ...(job.verify !== undefined ? { verify: job.verify, do_verify: 1, verify_fatal: 1, verify_state_save: 0 } : {}),
    ...job.extra,
  };
  return Object.entries(options).map(([key, value]) => `--${key}=${value}`);
}

function side(json: FioJsonSide): FioSide {
  return { bytesPerSecond: json.bw_bytes, iops: json.iops, ioBytes: json.io_bytes };
}

export async function runFio(job: FioJob): Promise<FioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'coherefs-fio-'));
  const output = join(dir, 'report.json');
  let fio: ChildProcess | undefined;
  // Interrupted: fio stops (it would keep a mount busy) and its report directory goes.
  const forget = cleanUpOnSignal(async () => {
    fio?.kill();
    await rm(dir, { recursive: true, force: true });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      fio = execFile('fio', fioArgs(job, output), { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`fio ${job.name} failed (exit ${err.code ?? err.signal}): ${stderr || stdout}`.trim()));
        else resolve();
      });
    });
    // Warnings come first in the output file (e.g. verify with several writers of one file).
    const report = await readFile(output, 'utf8');
    const json = JSON.parse(report.slice(report.indexOf('{'))) as FioJson;
    const error = json.jobs.reduce((sum, j) => sum + j.error, 0);
    if (error !== 0) throw new Error(`fio ${job.name}: job error ${error}`);
    const [first] = json.jobs;
    if (!first) throw new Error(`fio ${job.name}: no job in the report`);
    return { read: side(first.read), write: side(first.write), error };
  } finally {
    await rm(dir, { recursive: true, force: true });
    forget();
  }
}
