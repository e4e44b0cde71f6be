/**
 * Real coherefs mounts for the integration tests: a sparse image in a mktemp directory, the daemon
 * run in the foreground (`coherefs mount -f`, bench/coherefs-mount.ts) as a child in its own process
 * group, so that teardown (SIGTERM, then force) and the kill -9 crash both reach it, and the CLI run
 * as the user runs it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkfs } from '../../../src/fs/api.js';
import { projectFile } from '../../../src/util/project-file.js';

export { mountCoherefs } from '../../../bench/coherefs-mount.js';

export const MiB = 2 ** 20;

export interface Scratch {
  dir: string;
  image: string;
  remove(): Promise<void>;
}

/** A fresh mktemp directory holding a new sparse image (512 MiB unless told). */
export async function scratchImage(size = 512 * MiB): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'coherefs-itest-'));
  const image = join(dir, 'disk.img');
  await mkfs(image, { size });
  return { dir, image, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `coherefs ARGS...` to completion; never rejects on a non-zero exit. */
export function coherefs(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve) =>
    execFile(process.execPath, [projectFile('dist/src/cli/main.js'), ...args], { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Wait until process `pid` is gone (true), or `timeoutMs` passed (false). */
export async function waitForExit(pid: number, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
