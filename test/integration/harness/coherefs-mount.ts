/**
 * Real coherefs mounts for the integration tests: a sparse image in a mktemp directory, the daemon
 * run in the foreground (`coherefs mount -f`, bench/coherefs-mount.ts) as a child in its own process
 * group, so that teardown (SIGTERM, then force) and the kill -9 crash both reach it, and the CLI run
 * as the user runs it.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkfs } from '../../../src/fs/api.js';
import { cleanUpOnSignal } from '../../../src/util/cleanup-on-signal.js';
import { waitForExit, type DaemonMount } from '../../../src/util/daemon-mount.js';
import { projectFile } from '../../../src/util/project-file.js';
import { mountCoherefs } from '../../../bench/coherefs-mount.js';

export { mountCoherefs, waitForExit };

export const MiB = 2 ** 20;

export interface Scratch {
  dir: string;
  image: string;
  remove(): Promise<void>;
}

/** A fresh mktemp directory holding a new sparse image (512 MiB unless told). */
export async function scratchImage(size = 512 * MiB): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'coherefs-itest-'));
  // An interrupted test run (Ctrl-C) removes it too; its mounts are torn down by daemon-mount.ts.
  const forget = cleanUpOnSignal(() => rm(dir, { recursive: true, force: true }));
  const image = join(dir, 'disk.img');
  await mkfs(image, { size });
  return {
    dir,
    image,
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      forget();
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a tool (dd, cp, ...) to completion (killed after timeoutMs, default 120 s); never rejects on a non-zero exit. */
export function runTool(command: string, args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) =>
    execFile(command, args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

/** Run `coherefs ARGS...` to completion (killed after timeoutMs, default 30 s); never rejects on a non-zero exit. */
export function coherefs(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const { timeoutMs = 30_000, env = process.env } = options;
  return new Promise((resolve) =>
    execFile(process.execPath, [projectFile('dist/src/cli/main.js'), ...args], { timeout: timeoutMs, env }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

export interface MountedImage {
  scratch: Scratch;
  mount: DaemonMount;
}

/**
 * An image mounted for a whole describe block: made in beforeAll, unmounted and removed in afterAll,
 * also when a test failed. Tests read `.mount` and `.scratch`.
 */
export function mountForSuite(size?: number, options?: string): MountedImage {
  const state = {} as MountedImage;
  beforeAll(async () => {
    state.scratch = await scratchImage(size);
    state.mount = await mountCoherefs(state.scratch.image, options);
  });
  afterAll(async () => {
    await state.mount?.teardown();
    await state.scratch?.remove();
  });
  return state;
}

/** Whatever a test leaves in `.mount` and `.scratch` is unmounted and removed after it, failed or not. */
export function cleanUpAfterEach(): Partial<MountedImage> {
  const state: Partial<MountedImage> = {};
  afterEach(async () => {
    await state.mount?.teardown();
    await state.scratch?.remove();
    delete state.mount;
    delete state.scratch;
  });
  return state;
}
