/**
 * Guards copy_file_range(2) on the kernel transport (the daemon serves COPY_FILE_RANGE_64 and copies
 * through its store): the bytes land where they should, also at offsets that are not page aligned
 * and past the destination's EOF; data written with write(2) and not fsync'd is what gets copied;
 * a destination read before the copy (its pages in the daemon's cache) reads the new bytes after it;
 * overlapping ranges of one file fail with EINVAL; everything survives a remount. In coherence=none
 * the same copy leaves the destination cache stale and misses the unsynced source: the checks can
 * fail. Needs root (the kernel transport mounts /dev/fuse itself) and python3 (os.copy_file_range).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fsck } from '../../src/fs/api.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, mountCoherefs, scratchImage, sha256File, type Scratch } from './harness/coherefs-mount.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/**
 * In one process: the destination written, fsync'd and read (cached in the daemon); the source
 * written and not fsync'd; then copy_file_range of `length` bytes to the destination at `dstPos`.
 * Prints the count copied, whether the destination now reads as it should, its size, and the
 * sha256 of what it should hold.
 */
const COPY_SCRIPT = `
import hashlib, os, sys
mnt, dst_pos, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
src = os.open(os.path.join(mnt, "src"), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
dst = os.open(os.path.join(mnt, "dst"), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
old = bytes([0x11]) * 300000
os.pwrite(dst, old, 0)
os.fsync(dst)
assert os.pread(dst, len(old), 0) == old
new = os.urandom(length)
os.pwrite(src, new, 0)
copied = os.copy_file_range(src, dst, length, 0, dst_pos)
want = bytearray(old)
if dst_pos > len(want):
    want += bytes(dst_pos - len(want))
want[dst_pos:dst_pos + length] = new
size = os.fstat(dst).st_size
got = os.pread(dst, size + 4096, 0)
print(copied, got == bytes(want), size, hashlib.sha256(want).hexdigest())
`;

interface CopyResult {
  copied: number;
  readsRight: boolean;
  size: number;
  sha: string;
}

async function copyInMount(mountpoint: string, dstPos: number, length: number): Promise<CopyResult> {
  const { stdout } = await run('python3', ['-c', COPY_SCRIPT, mountpoint, String(dstPos), String(length)]);
  const [copied, readsRight, size, sha] = stdout.trim().split(' ');
  return { copied: Number(copied), readsRight: readsRight === 'True', size: Number(size), sha: sha! };
}

async function copiedBytes(mountpoint: string): Promise<number> {
  const result = await coherefs(['stats', mountpoint, '--json']);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { cache: { copyRangeBytes: number } }).cache.copyRangeBytes;
}

describe.runIf(requireFuse(isRoot ? undefined : 'the kernel transport mounts /dev/fuse itself: root only'))('copy_file_range on a kernel-transport mount', () => {
  let scratch: Scratch | undefined;
  let mount: DaemonMount | undefined;
  afterEach(async () => {
    await mount?.teardown();
    await scratch?.remove();
    mount = undefined;
    scratch = undefined;
  });

  it('copies unsynced source data over a cached destination, at any offset, and keeps it across a remount', async () => {
    scratch = await scratchImage(256 * MiB);
    const options = 'cache_size=64M,transport=kernel';
    mount = await mountCoherefs(scratch.image, options);
    const inside = await copyInMount(mount.mountpoint, 4097, 200_000);
    expect(inside).toMatchObject({ copied: 200_000, readsRight: true, size: 300_000 });
    expect(await copiedBytes(mount.mountpoint)).toBe(200_000);
    expect(await sha256File(join(mount.mountpoint, 'dst'))).toBe(inside.sha);

    const pastEof = await copyInMount(mount.mountpoint, 500_001, 70_000);
    expect(pastEof).toMatchObject({ copied: 70_000, readsRight: true, size: 570_001 });

    const overlap = 'import os, sys\nf = os.open(sys.argv[1], os.O_RDWR)\ntry:\n  os.copy_file_range(f, f, 8192, 0, 4096)\nexcept OSError as e:\n  print(e.errno)';
    expect((await run('python3', ['-c', overlap, join(mount.mountpoint, 'dst')])).stdout.trim()).toBe('22');

    await mount.teardown();
    expect((await fsck(scratch.image)).clean).toBe(true);
    mount = await mountCoherefs(scratch.image, options);
    expect(await sha256File(join(mount.mountpoint, 'dst'))).toBe(pastEof.sha);
  });

  it('in coherence=none the same copy misses the unsynced source and leaves the destination cache stale', async () => {
    scratch = await scratchImage(256 * MiB);
    mount = await mountCoherefs(scratch.image, 'cache_size=64M,transport=kernel,coherence=none');
    const result = await copyInMount(mount.mountpoint, 4097, 200_000);
    expect(result.copied).toBe(200_000);
    expect(result.readsRight).toBe(false);
  });
});
