/**
 * The outside anchor: libfuse 3's low-level example `passthrough_ll`, a C daemon that turns each
 * request into one syscall on a host directory. Its source ships with Debian's libfuse3-dev among
 * the documentation examples; the bench builds it in its own temporary directory with gcc and
 * pkg-config fuse3, and mounts it as root (libfuse 3 calls mount(2) itself then, so the fuse3
 * package and its fusermount3 are not needed: installing fuse3 would remove the fuse package that
 * fuse-native needs).
 *
 * `cache=never` makes it open every file FOPEN_DIRECT_IO, as coherefs does: every read and write
 * reaches the daemon. Its host directory is a tmpfs of its own: passthrough_ll opens the host file
 * with the caller's O_DIRECT and pwrites the data from 80 bytes into its request buffer, which ext4
 * refuses (EINVAL) for direct IO; tmpfs takes O_DIRECT without an alignment rule (Linux 6.6 and later).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { cleanUpOnSignal } from '../src/util/cleanup-on-signal.js';
import { startDaemonMount, type DaemonMount } from '../src/util/daemon-mount.js';
import { findMount } from '../src/util/mountinfo.js';

const run = promisify(execFile);

/** Where libfuse3-dev puts its examples (dh_compress may have gzipped a file). */
const EXAMPLES = '/usr/share/doc/libfuse3-dev/examples';
const SOURCES = ['passthrough_ll.c', 'passthrough_helpers.h'];

/** Copy an example into `dir`, unzipped; throws naming the package when it is not installed. */
async function copyExample(name: string, dir: string): Promise<void> {
  const plain = join(EXAMPLES, name);
  const target = join(dir, name);
  if (existsSync(plain)) return copyFile(plain, target);
  if (existsSync(`${plain}.gz`)) return writeFile(target, gunzipSync(await readFile(`${plain}.gz`)));
  throw new Error(`${plain} not found: install libfuse3-dev (apt-get install libfuse3-dev; not fuse3, which removes fuse)`);
}

/** Build passthrough_ll in `dir` (a temporary directory of the caller's); returns the binary. */
export async function buildPassthroughLl(dir: string): Promise<string> {
  const sourceDir = join(dir, 'passthrough_ll-src');
  await mkdir(sourceDir);
  for (const name of SOURCES) await copyExample(name, sourceDir);
  const binary = join(dir, 'passthrough_ll');
  try {
    const { stdout: flags } = await run('pkg-config', ['--cflags', '--libs', 'fuse3']);
    await run('gcc', ['-O2', '-o', binary, join(sourceDir, 'passthrough_ll.c'), ...flags.trim().split(/\s+/)]);
  } catch (err) {
    throw new Error(`building passthrough_ll failed (needs gcc, pkg-config and libfuse3-dev): ${(err as Error).message}`);
  }
  return binary;
}

export interface PassthroughLlMount {
  mount: DaemonMount;
  /** Unmounts the daemon, then its tmpfs. */
  teardown(): Promise<void>;
}

/**
 * Mount `binary` over a tmpfs of `tmpfsBytes` mounted on `hostDir` (made here). Both are undone by
 * teardown, or by the signal handlers when the bench is interrupted.
 */
export async function mountPassthroughLl(binary: string, hostDir: string, tmpfsBytes: number): Promise<PassthroughLlMount> {
  await mkdir(hostDir);
  await run('mount', ['-t', 'tmpfs', '-o', `size=${tmpfsBytes},mode=0755`, 'coherefs-bench', hostDir]);
  const unmountTmpfs = async (): Promise<void> => {
    if (await findMount(hostDir)) await run('umount', [hostDir]).catch(() => run('umount', ['-l', hostDir]));
    await rmdir(hostDir).catch(() => undefined);
  };
  // Registered first, so an interruption unmounts the daemon (registered after it) before its tmpfs.
  const forgetTmpfs = cleanUpOnSignal(unmountTmpfs);
  let mount: DaemonMount;
  try {
    mount = await startDaemonMount({ command: binary, args: ['-f', '-o', `source=${hostDir},cache=never`, '{mountpoint}'] });
  } catch (err) {
    await unmountTmpfs();
    forgetTmpfs();
    throw err;
  }
  return {
    mount,
    teardown: async () => {
      await mount.teardown();
      await unmountTmpfs();
      forgetTmpfs();
    },
  };
}
