/**
 * Guards the request size each transport gets and what dio_align makes of it: `dd bs=1M` with
 * O_DIRECT reaches the daemon as 1 MiB requests on the kernel transport (MAX_PAGES) and as 128 KiB
 * ones on libfuse (counted by the stats: one direct write or read per request). A direct write
 * longer than a request whose length is off dio_align (4096 here) lands its whole requests before
 * the misaligned one and returns their count; one whose offset is off fails with EINVAL and
 * changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAX_REQUEST_BYTES } from '../../src/fuse/api.js';
import { MAX_WRITE } from '../../src/fuse/kernel/init.js';
import type { VfsStats } from '../../src/vfs/api.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, coherefs, mountForSuite, suiteTransport } from './harness/coherefs-mount.js';

const run = promisify(execFile);
const REQUEST_BYTES = suiteTransport() === 'kernel' ? MAX_WRITE : MAX_REQUEST_BYTES;
const DIO_ALIGN = 4096;

/** One O_DIRECT pwrite of `length` bytes (byte i = i mod 251) at `pos` from a page-aligned buffer: prints the count or the errno name. */
const DIRECT_PWRITE = [
  'import errno, mmap, os, sys',
  'path, pos, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])',
  'buf = mmap.mmap(-1, length)',
  'buf[:] = bytes(i % 251 for i in range(length))',
  'fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_DIRECT, 0o644)',
  'try:',
  '    print(os.pwritev(fd, [memoryview(buf)], pos))',
  'except OSError as err:',
  '    print(errno.errorcode[err.errno])',
].join('\n');

const pattern = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => i % 251));

describe.runIf(requireFuse())('direct IO in whole FUSE requests', () => {
  const suite = mountForSuite(256 * MiB, `cache_size=32M,dio_align=${DIO_ALIGN}`);
  const at = (name: string): string => join(suite.mount.mountpoint, name);
  const cache = async (): Promise<VfsStats['cache']> => {
    const result = await coherefs(['stats', suite.mount.mountpoint, '--json']);
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as VfsStats).cache;
  };
  const directPwrite = async (name: string, pos: number, length: number): Promise<string> =>
    (await run('python3', ['-c', DIRECT_PWRITE, at(name), String(pos), String(length)])).stdout.trim();

  it(`dd bs=1M O_DIRECT arrives as ${REQUEST_BYTES / 1024} KiB requests`, async () => {
    const before = await cache();
    await run('dd', ['if=/dev/urandom', `of=${at('dd')}`, 'bs=1M', 'count=8', 'oflag=direct', 'status=none']);
    await run('dd', [`if=${at('dd')}`, 'of=/dev/null', 'bs=1M', 'count=8', 'iflag=direct', 'status=none']);
    const after = await cache();
    expect(after.dioBytesWritten - before.dioBytesWritten).toBe(8 * MiB);
    expect(after.dioWrites - before.dioWrites).toBe((8 * MiB) / REQUEST_BYTES);
    expect(after.dioBytesRead - before.dioBytesRead).toBe(8 * MiB);
    expect(after.dioReads - before.dioReads).toBe((8 * MiB) / REQUEST_BYTES);
  });

  it('lands the whole requests of a long write whose length is off dio_align, and returns their count', async () => {
    const length = 2 * REQUEST_BYTES + REQUEST_BYTES / 2 + 512;
    expect(await directPwrite('tail', 0, length)).toBe(String(2 * REQUEST_BYTES));
    expect((await stat(at('tail'))).size).toBe(2 * REQUEST_BYTES);
    expect((await readFile(at('tail'))).equals(pattern(2 * REQUEST_BYTES))).toBe(true);
  });

  it('fails a long write whose offset is off dio_align with EINVAL, changing nothing', async () => {
    expect(await directPwrite('head', 0, DIO_ALIGN)).toBe(String(DIO_ALIGN));
    expect(await directPwrite('head', 512, 2 * REQUEST_BYTES)).toBe('EINVAL');
    expect((await stat(at('head'))).size).toBe(DIO_ALIGN);
    expect((await readFile(at('head'))).equals(pattern(DIO_ALIGN))).toBe(true);
  });
});
