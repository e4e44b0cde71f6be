/**
 * test/tools/fsx.py as the integration tests run it: with the request size of the run's transport
 * and the operations it serves. The kernel transport serves shared maps, fallocate, copy_file_range
 * and SEEK_DATA/SEEK_HOLE; libfuse serves copy_file_range (the kernel falls back to its splice copy)
 * and SEEK_DATA/SEEK_HOLE (the kernel's generic answer) but refuses MAP_SHARED (ENODEV) and
 * fallocate (EOPNOTSUPP), which fsx then tries once each and requires refused.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { MAX_REQUEST_BYTES } from '../../../src/fuse/api.js';
import { MAX_WRITE } from '../../../src/fuse/kernel/init.js';
import { projectFile } from '../../../src/util/project-file.js';
import { suiteTransport } from './coherefs-mount.js';

export const FSX_ON_KERNEL = suiteTransport() === 'kernel';

/** The largest FUSE request of the transport under test: a misaligned direct write lands in whole ones. */
const REQUEST_BYTES = FSX_ON_KERNEL ? MAX_WRITE : MAX_REQUEST_BYTES;

const FEATURES = FSX_ON_KERNEL
  ? ['--shared-maps', '--fallocate', '--copy-range', '--seek']
  : ['--copy-range', '--seek', '--expect-unsupported', 'shared-maps,fallocate'];

/** The operations the features add, as the PASS line counts them. */
export const FSX_FEATURE_OPS = FSX_ON_KERNEL ? ['mapwrite', 'falloc', 'punch', 'zero', 'copyrange', 'seek'] : ['copyrange', 'seek'];

/** fsx.py's arguments: FILE, the transport's request size and features, then `extra`. */
function fsxArgs(file: string, extra: string[]): string[] {
  return [projectFile('test/tools/fsx.py'), file, '--request-bytes', String(REQUEST_BYTES), ...FEATURES, '--quiet', ...extra];
}

export interface FsxRun {
  code: number;
  /** stdout, then stderr (a traceback) if any. */
  stdout: string;
}

/** Run fsx.py on `file` to completion (killed after 120 s); never rejects on a failed run. */
export function fsx(file: string, extra: string[]): Promise<FsxRun> {
  return new Promise((resolve) =>
    execFile('python3', fsxArgs(file, extra), { timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: stdout + stderr }),
    ),
  );
}

/** Start fsx.py on `file` in the background, its stdout piped (for --sync-log's "synced" lines). */
export function spawnFsx(file: string, extra: string[]): ChildProcess {
  return spawn('python3', fsxArgs(file, extra), { stdio: ['ignore', 'pipe', 'ignore'] });
}

/** `fsx.py FILE --check-sync-log DIR`: every byte the last fsync vouched for is in FILE. */
export function checkSyncLog(file: string, directory: string): Promise<FsxRun> {
  return new Promise((resolve) =>
    execFile('python3', [projectFile('test/tools/fsx.py'), file, '--check-sync-log', directory], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: stdout + stderr }),
    ),
  );
}
