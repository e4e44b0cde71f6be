/**
 * Guards format version 3 at the fs layer: a hole punched in the middle of a file (the ranged unmap
 * record), blocks allocated by fallocate (also past the end, INODE_EOFBLOCKS) and device numbers of
 * device nodes come back exactly from the log (a crash copy, replayed at mount) and from a checkpoint,
 * and fsck finds the image clean. An allocation the image cannot hold fails with ENOSPC and changes
 * nothing. fsck reports, and repair clears, a device number on a node that is no device, and blocks
 * past the end of a file that fallocate did not keep there. Older versions cannot carry the unmap record.
 */
import { describe, expect, it } from 'vitest';
import { constants } from 'node:fs';
import { Filesystem, fsck, MemoryDevice, repair, ROOT_INO as R, type Attr } from '../../src/fs/api.js';
import { decodeOps, encodeOps, INODE_EOFBLOCKS, type Op } from '../../src/fs/records.js';
import { asyncErrnoOf, byteRuns, freshFs } from './helpers.js';
import { rewriteMetadata } from './damage.js';

const { S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK, S_IFREG } = constants;
const B = 4096;
/** No page cache above the store here: a punch has no cached pages to drop. */
const noCache = async (): Promise<void> => {};

/** The file's bytes and its allocated blocks. */
async function contents(fs: Filesystem, ino: number): Promise<{ data: string; blocks: number; size: number }> {
  const { size, blocks } = fs.getattr(ino);
  const data = Buffer.alloc(size);
  await fs.store(ino).read(0, data);
  return { data: byteRuns(data), blocks, size };
}

/** Mount a copy of the device as a crash leaves it (the log replayed), and the device itself after unmount (a checkpoint). */
async function afterCrashAndRemount<T>(fs: Filesystem, device: MemoryDevice, look: (fs: Filesystem) => Promise<T> | T): Promise<T[]> {
  await fs.sync();
  const crashed = await Filesystem.mountDevice(new MemoryDevice(device.bytes.slice()), { commitIntervalMs: 0 });
  const fromLog = await look(crashed);
  await crashed.unmount();
  await fs.unmount();
  const again = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
  const fromCheckpoint = await look(again);
  await again.unmount();
  expect(await fsck(device)).toMatchObject({ clean: true, problems: [] });
  return [fromLog, fromCheckpoint];
}

describe('format version 3 records', () => {
  it('a hole punched mid-file reads as zeros, frees its blocks and keeps the size, from the log and a checkpoint', async () => {
    const { fs, device } = await freshFs();
    const ino = fs.create(R, 'f', 0o644, 0, 0).ino;
    await fs.store(ino).write(0, Buffer.alloc(6 * B, 0xaa));
    await fs.punchRange(ino, B + 100, 3 * B, noCache);
    const expected = { data: `0-4195:aa 4196-16483:0 16484-24575:aa`, blocks: 4 * (B / 512), size: 6 * B };
    expect(await contents(fs, ino)).toEqual(expected);
    expect(await afterCrashAndRemount(fs, device, (f) => contents(f, ino))).toEqual([expected, expected]);
  });

  it('fallocate maps zeroed blocks, grows the size unless kept, and may keep blocks past the end', async () => {
    const { fs, device } = await freshFs();
    const grown = fs.create(R, 'grown', 0o644, 0, 0).ino;
    await fs.store(grown).write(0, Buffer.alloc(100, 0x11));
    await fs.allocateRange(grown, 0, 3 * B, false);
    const kept = fs.create(R, 'kept', 0o644, 0, 0).ino;
    await fs.store(kept).write(0, Buffer.alloc(100, 0x22));
    await fs.allocateRange(kept, 2 * B, 4 * B, true);
    const expected = [
      { data: '0-99:11 100-12287:0', blocks: 3 * 8, size: 3 * B },
      { data: '0-99:22', blocks: 5 * 8, size: 100 },
    ];
    expect([await contents(fs, grown), await contents(fs, kept)]).toEqual(expected);
    expect(await afterCrashAndRemount(fs, device, async (f) => [await contents(f, grown), await contents(f, kept)])).toEqual([expected, expected]);

    // Growing the kept file over its preallocated blocks shows zeros; a truncate drops what lies past the end.
    const again = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    await again.store(kept).setSize(4 * B);
    expect(await contents(again, kept)).toEqual({ data: '0-99:22 100-16383:0', blocks: 5 * 8, size: 4 * B });
    await again.store(kept).setSize(B);
    expect((await contents(again, kept)).blocks).toBe(8);
    await again.unmount();
    expect(await fsck(device)).toMatchObject({ clean: true, problems: [] });
  });

  it('an allocation the image cannot hold fails with ENOSPC and changes nothing', async () => {
    const { fs } = await freshFs();
    const ino = fs.create(R, 'f', 0o644, 0, 0).ino;
    await fs.store(ino).write(0, Buffer.alloc(B, 0x33));
    const before = await contents(fs, ino);
    const free = fs.statfs().bfree;
    expect(await asyncErrnoOf(() => fs.allocateRange(ino, 0, (free + 2) * B, false))).toBe('ENOSPC');
    expect(await contents(fs, ino)).toEqual(before);
    expect(fs.statfs().bfree).toBe(free);
  });

  it('fifos, sockets and device nodes keep their type and device number', async () => {
    const { fs, device } = await freshFs();
    const nodes = [
      fs.mknod(R, 'fifo', S_IFIFO | 0o644, 0, 1000, 1000),
      fs.mknod(R, 'sock', S_IFSOCK | 0o755, 0, 0, 0),
      fs.mknod(R, 'chr', S_IFCHR | 0o600, (1 << 8) | 3, 0, 0),
      fs.mknod(R, 'blk', S_IFBLK | 0o660, (259 << 8) | 7, 0, 6),
    ];
    const look = (f: Filesystem): Array<Pick<Attr, 'mode' | 'rdev' | 'uid' | 'gid'>> =>
      nodes.map(({ ino }) => { const { mode, rdev, uid, gid } = f.getattr(ino); return { mode, rdev, uid, gid }; });
    const expected = look(fs);
    expect(expected).toEqual([
      { mode: S_IFIFO | 0o644, rdev: 0, uid: 1000, gid: 1000 },
      { mode: S_IFSOCK | 0o755, rdev: 0, uid: 0, gid: 0 },
      { mode: S_IFCHR | 0o600, rdev: 259, uid: 0, gid: 0 },
      { mode: S_IFBLK | 0o660, rdev: 66311, uid: 0, gid: 6 },
    ]);
    expect(await afterCrashAndRemount(fs, device, look)).toEqual([expected, expected]);
    expect(() => fs.mknod(R, 'reg', S_IFREG | 0o644, 0, 0, 0)).toThrow(/mknod of type/);
  });

  it('fsck reports a device number on a regular file and blocks past the end without INODE_EOFBLOCKS; repair clears them', async () => {
    const { fs, device } = await freshFs();
    const ino = fs.create(R, 'f', 0o644, 0, 0).ino;
    await fs.allocateRange(ino, 0, 2 * B, true);
    await fs.unmount();
    await rewriteMetadata(device, (meta) => {
      const inode = meta.get(ino)!;
      inode.rdev = 5;
      inode.flags &= ~INODE_EOFBLOCKS;
    });
    expect((await fsck(device)).problems).toEqual([
      `inode ${ino}: device number 5 on a node that is not a device (mode 100644)`,
      `inode ${ino}: block 1 mapped past the end of the file (size 0)`,
    ]);
    const repaired = await repair(device);
    expect(repaired.repairs).toEqual(expect.arrayContaining([
      `inode ${ino}: 2 blocks mapped past the end of the file (size 0): unmapped, no data lost`,
      `inode ${ino}: device number 5 on a node that is not a device: cleared`,
    ]));
    expect(await fsck(device)).toMatchObject({ clean: true, problems: [] });
  });

  it('the unmap record and the inode fields round-trip in version 3 and are refused in version 2', () => {
    const ops: Op[] = [
      { kind: 'inode', attrs: { ino: 9, mode: S_IFCHR | 0o600, nlink: 1, uid: 1, gid: 2, rdev: 0xfffff, flags: INODE_EOFBLOCKS, size: 0, atimeNs: 1n, mtimeNs: 2n, ctimeNs: 3n, target: '' } },
      { kind: 'unmap', ino: 9, lblk: 3, len: 2 ** 40 },
    ];
    const bytes = encodeOps(ops);
    expect([...decodeOps(bytes)]).toEqual(ops);
    expect(() => [...decodeOps(bytes.subarray(bytes.length - 25), 2)]).toThrow('unknown record type 7 at byte 0');
  });
});
