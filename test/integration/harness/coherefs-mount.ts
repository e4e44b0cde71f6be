/**
 * Real coherefs mounts for the integration tests: a sparse image in a mktemp directory, the daemon
 * run in the foreground (`coherefs mount -f`, bench/coherefs-mount.ts) as a child in its own process
 * group, so that teardown (SIGTERM, then force) and the kill -9 crash both reach it, and the CLI run
 * as the user runs it.
 *
 * The transport: every daemon the suite starts, by whatever path (this harness, the CLI in the
 * background, mount -t fuse.coherefs, the demo), reads COHEREFS_TRANSPORT itself (mount-config.ts),
 * so `COHEREFS_TRANSPORT=libfuse vitest run test/integration` runs the whole suite on libfuse; unset,
 * the default serves (the kernel transport, as root). Each mount made here checks it is served by
 * that transport, so a silent fallback fails the test instead of testing the other transport.
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
import { mountCoherefs as mountWithCli } from '../../../bench/coherefs-mount.js';
import type { Transport } from '../../../src/fuse/api.js';

export { waitForExit };

export const MiB = 2 ** 20;

/** The transport this run's mounts are served by: COHEREFS_TRANSPORT, else the default's (kernel as root). */
export function suiteTransport(): Transport {
  const chosen = process.env.COHEREFS_TRANSPORT;
  if (chosen === 'kernel' || chosen === 'libfuse') return chosen;
  if (chosen) throw new Error(`COHEREFS_TRANSPORT must be kernel or libfuse, not '${chosen}'`);
  return process.getuid?.() === 0 ? 'kernel' : 'libfuse';
}

/** The transport the daemon's `mounted` log line names, once it has logged it. */
function loggedTransport(stderr: string): string | undefined {
  const line = stderr.split('\n').find((text) => text.includes('"msg":"mounted"'));
  return line === undefined ? undefined : (JSON.parse(line) as { transport?: string }).transport;
}

/**
 * `coherefs mount -f` of `image` (bench/coherefs-mount.ts), checked to be served by the transport
 * `options` name, else by `suiteTransport()`; a mount served by another is torn down and throws.
 */
export async function mountCoherefs(image: string, options?: string, mountpoint?: string): Promise<DaemonMount> {
  const mount = await mountWithCli(image, options, mountpoint);
  const wanted = /(?:^|,)transport=(\w+)/.exec(options ?? '')?.[1] ?? suiteTransport();
  const deadline = Date.now() + 10_000;
  let served = loggedTransport(mount.stderr());
  while (served === undefined && mount.exitCode() === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    served = loggedTransport(mount.stderr());
  }
  if (served !== wanted) {
    await mount.teardown();
    throw new Error(`the mount of ${image} is served by ${served ?? 'no transport it logged'}, not ${wanted}:\n${mount.stderr()}`);
  }
  return mount;
}

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
