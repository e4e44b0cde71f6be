/**
 * Guards issue 14's image-format operations on a real kernel-transport mount: xfs_io's falloc,
 * falloc -k, fpunch and fzero (with and without -k) change size, blocks and bytes as on a local
 * filesystem, also over data still dirty in the daemon's cache; seek -d/-h answer from the block map
 * and those dirty pages; an allocation the image cannot hold is ENOSPC and changes nothing; the data
 * is the same after a remount and fsck is clean. mkfifo, mknod c/b and a bound unix socket make
 * nodes that keep their type and device number (stat %t:%T) across a remount, and a fifo on the
 * mount carries data (the kernel does fifo IO itself). Needs root and xfsprogs (xfs_io).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fsck } from '../../src/fs/api.js';
import type { DaemonMount } from '../../src/util/daemon-mount.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, mountCoherefs, scratchImage, type Scratch } from './harness/coherefs-mount.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const K = 1024;
const OPTIONS = 'cache_size=64M,transport=kernel';

/** Run xfs_io commands on a file; fails on anything xfs_io prints to stderr (it often exits 0 on errors). */
async function xfsIo(file: string, ...commands: string[]): Promise<string> {
  const { stdout, stderr } = await run('xfs_io', ['-f', ...commands.flatMap((c) => ['-c', c]), file]);
  if (stderr) throw new Error(`xfs_io ${commands.join('; ')}: ${stderr.trim()}`);
  return stdout;
}

/** xfs_io seek's answer: an offset, or 'EOF' (ENXIO). */
async function seek(file: string, flag: '-d' | '-h', offset: number): Promise<string> {
  const out = await xfsIo(file, `seek ${flag} ${offset}`);
  return out.trim().split('\n').pop()!.split('\t')[1]!;
}

describe.runIf(requireFuse(isRoot ? undefined : 'the kernel transport mounts /dev/fuse itself: root only'))('fallocate, SEEK_DATA/SEEK_HOLE and mknod on the kernel transport', () => {
  let scratch: Scratch;
  let mount: DaemonMount;
  const at = (...parts: string[]): string => join(mount.mountpoint, ...parts);
  /** What the test file must hold: the bytes a local filesystem would show. */
  const model = Buffer.alloc(128 * K);

  beforeAll(async () => {
    await run('xfs_io', ['-V']).catch(() => {
      throw new Error('xfs_io is missing: install the Debian package xfsprogs');
    });
    scratch = await scratchImage(64 * MiB);
    mount = await mountCoherefs(scratch.image, OPTIONS);
  });
  afterAll(async () => {
    await mount?.teardown();
    await scratch?.remove();
  });

  it('falloc, falloc -k, fpunch and fzero change size, blocks and bytes as asked, also over dirty pages', async () => {
    const file = at('holes');
    // The data is still in dirty pages of the daemon's cache when the hole is punched and the range zeroed.
    await xfsIo(file, 'pwrite -q -S 0xab 0 64k', 'fpunch 8k 12k', 'fzero 40k 4k');
    model.fill(0xab, 0, 64 * K).fill(0, 8 * K, 20 * K).fill(0, 40 * K, 44 * K);
    expect((await stat(file)).size).toBe(64 * K);
    await xfsIo(file, 'falloc 64k 64k');
    expect((await stat(file)).size).toBe(128 * K);
    await xfsIo(file, 'falloc -k 128k 32k', 'fzero -k 200k 8k');
    const st = await stat(file);
    // 16 written - 3 punched + 16 + 8 + 2 preallocated blocks of 4 KiB, in 512-byte units.
    expect([st.size, st.blocks]).toEqual([128 * K, (16 - 3 + 16 + 8 + 2) * 8]);
    expect((await readFile(file)).equals(model)).toBe(true);
    await xfsIo(file, 'fzero 120k 16k');
    model.fill(0, 120 * K, 128 * K);
    const grown = Buffer.concat([model, Buffer.alloc(8 * K)]);
    expect((await stat(file)).size).toBe(136 * K);
    expect((await readFile(file)).equals(grown)).toBe(true);
  });

  it('seek -d and -h answer from the block map and the dirty pages; EOF past the end', async () => {
    const file = at('holes');
    expect([await seek(file, '-d', 0), await seek(file, '-h', 0), await seek(file, '-d', 8 * K), await seek(file, '-h', 20 * K)])
      .toEqual(['0', String(8 * K), String(20 * K), String(136 * K)]);
    expect(await seek(file, '-d', 136 * K)).toBe('EOF');
    // A file whose only data is a dirty page over a hole.
    const sparse = at('sparse');
    await xfsIo(sparse, 'truncate 1m', 'pwrite -q -S 1 512k 4k');
    expect([await seek(sparse, '-d', 0), await seek(sparse, '-h', 0), await seek(sparse, '-h', 512 * K)]).toEqual([String(512 * K), '0', String(516 * K)]);
    await xfsIo(sparse, 'fsync');
    expect([await seek(sparse, '-d', 0), await seek(sparse, '-h', 512 * K)]).toEqual([String(512 * K), String(516 * K)]);
  });

  it('seek -d never skips data written through a MAP_SHARED map and not yet written back', async () => {
    // The dirty page is in the kernel's cache, which fuse_lseek() does not write back before asking.
    const out = await xfsIo(at('mapped'), 'truncate 1m', 'mmap -w 0 1m', 'mwrite -S 2 512k 4k', 'seek -d 0');
    const answer = out.trim().split('\n').pop()!.split('\t')[1]!;
    expect(answer).not.toBe('EOF');
    expect(Number(answer)).toBeLessThanOrEqual(512 * K);
  });

  it('an allocation the image cannot hold is ENOSPC and changes nothing', async () => {
    const file = at('holes');
    const before = await stat(file);
    await expect(xfsIo(file, 'falloc 0 1g')).rejects.toThrow(/No space left on device/);
    const after = await stat(file);
    expect([after.size, after.blocks]).toEqual([before.size, before.blocks]);
  });

  it('mkfifo, mknod c and b, and a bound socket make nodes with their type and device number', async () => {
    await run('mkfifo', ['-m', '0640', at('fifo')]);
    await run('mknod', [at('chr'), 'c', '1', '3']);
    await run('mknod', [at('blk'), 'b', '259', '300']);
    await run('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', at('sock')]);
    const { stdout } = await run('stat', ['-c', '%n %F %t:%T %a', 'fifo', 'chr', 'blk', 'sock'], { cwd: mount.mountpoint });
    expect(stdout.trim().split('\n')).toEqual([
      'fifo fifo 0:0 640', 'chr character special file 1:3 644', 'blk block special file 103:12c 644', 'sock socket 0:0 755',
    ]);
    const { stdout: piped } = await run('sh', ['-c', 'cat "$1" & echo through the fifo > "$1"; wait', 'sh', at('fifo')], { timeout: 10_000 });
    expect(piped).toBe('through the fifo\n');
  });

  it('after a remount the data, holes and nodes are the same, and fsck is clean', async () => {
    await mount.teardown();
    expect(await fsck(scratch.image)).toMatchObject({ clean: true, problems: [] });
    mount = await mountCoherefs(scratch.image, OPTIONS);
    const file = at('holes');
    expect((await readFile(file)).equals(Buffer.concat([model, Buffer.alloc(8 * K)]))).toBe(true);
    expect((await stat(file)).blocks).toBe((16 - 3 + 16 + 8 + 2) * 8);
    expect([await seek(file, '-h', 0), await seek(file, '-d', 8 * K)]).toEqual([String(8 * K), String(20 * K)]);
    const { stdout } = await run('stat', ['-c', '%n %F %t:%T', 'fifo', 'chr', 'blk', 'sock'], { cwd: mount.mountpoint });
    expect(stdout.trim().split('\n')).toEqual(['fifo fifo 0:0', 'chr character special file 1:3', 'blk block special file 103:12c', 'sock socket 0:0']);
  });
});
