/**
 * fsck --repair on each kind of damage it can fix, made on purpose on a small image: the repair says
 * what it did (one line each), the image then passes fsck and mounts, and the data an inode still
 * references is there.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, Filesystem, fsck, MemoryDevice, ROOT_INO } from '../../src/fs/api.js';
import { decodeSuperblock } from '../../src/fs/layout.js';
import { recordBytes, scanLog } from '../../src/fs/log.js';
import { byteRuns, freshFs } from './helpers.js';
import { contents, crashCopy, repairToClean, rewriteMetadata } from './damage.js';

const mount = (device: MemoryDevice): Promise<Filesystem> => Filesystem.mountDevice(device, { commitIntervalMs: 0 });

/** A file of whole blocks, block i filled with fills[i]. */
async function blockFile(fs: Filesystem, name: string, fills: number[]): Promise<number> {
  const ino = fs.create(ROOT_INO, name, 0o644, 0, 0).ino;
  const bytes = Buffer.concat(fills.map((fill) => Buffer.alloc(BLOCK_SIZE, fill)));
  await fs.store(ino).write(0, bytes);
  return ino;
}

/** A file's bytes as runs of one value (see byteRuns). */
async function runsOf(fs: Filesystem, ino: number): Promise<string> {
  const bytes = Buffer.alloc(fs.getattr(ino).size);
  await fs.store(ino).read(0, bytes);
  return byteRuns(bytes);
}

describe('fsck --repair', () => {
  it("link counts that disagree with the names (as in 'inode 2: link count 1, but 2 names'): set to the names found", async () => {
    const { fs, device } = await freshFs();
    const file = fs.create(ROOT_INO, 'a', 0o644, 0, 0).ino;
    await fs.store(file).write(0, Buffer.from('data of a'));
    fs.link(file, ROOT_INO, 'b');
    const dir = fs.mkdir(ROOT_INO, 'd', 0o755, 0, 0).ino;
    await fs.unmount();
    await rewriteMetadata(device, (meta) => {
      meta.get(file)!.nlink = 1;
      meta.get(ROOT_INO)!.nlink = 7;
      meta.get(dir)!.nlink = 1;
    });
    expect((await fsck(device)).problems).toContain('inode 2: link count 1, but 2 names');
    await expect(mount(device)).rejects.toThrow(/inconsistent metadata/);

    const report = await repairToClean(device, [
      /^inode 2: link count 1, but 2 names: set to 2$/,
      /^directory 1: link count 7, but 1 subdirectories: set to 3$/,
      /^directory 3: link count 1, but 0 subdirectories: set to 2$/,
      /^wrote a fresh checkpoint \(epoch \d+\) and both superblock copies; the log starts empty$/,
    ]);
    expect(report.repairs).toHaveLength(4);
    const repaired = await mount(device);
    expect(repaired.getattr(file).nlink).toBe(2);
    expect(await contents(repaired, repaired.lookup(ROOT_INO, 'b'))).toBe('data of a');
    await repaired.unmount();
  });

  it('a file unlinked while open when the image was last used (an orphan) is freed, and its blocks with it', async () => {
    const { fs, device } = await freshFs();
    const kept = fs.create(ROOT_INO, 'kept', 0o644, 0, 0).ino;
    await fs.store(kept).write(0, Buffer.from('kept data'));
    const orphan = await blockFile(fs, 'gone', [1, 2]);
    fs.openInode(orphan);
    fs.unlink(ROOT_INO, 'gone');
    await fs.sync();
    const crashed = crashCopy(device);
    await fs.unmount();
    const before = await fsck(crashed);
    expect(before.notes).toContain(`inode ${orphan}: unlinked while open, not yet freed (mount frees it)`);
    expect(before.summary?.usedBlocks).toBe(3);

    await repairToClean(crashed, [/^inode 3: unlinked while open \(no name, link count 0\): freed, 2 blocks released$/]);
    expect((await fsck(crashed)).summary?.usedBlocks).toBe(1);
    const repaired = await mount(crashed);
    expect(repaired.readdir(ROOT_INO).map((e) => e.name)).toEqual(['kept']);
    expect(await contents(repaired, kept)).toBe('kept data');
    await repaired.unmount();
  });

  it('inodes no name reaches (nameless, or in a cycle of directories) move to /lost+found, with what lies below them', async () => {
    const { fs, device } = await freshFs();
    const d = fs.mkdir(ROOT_INO, 'd', 0o755, 0, 0).ino;
    const x = fs.create(d, 'x', 0o644, 0, 0).ino;
    await fs.store(x).write(0, Buffer.from('x data'));
    const f = fs.create(ROOT_INO, 'f', 0o644, 0, 0).ino;
    await fs.store(f).write(0, Buffer.from('f data'));
    const p = fs.mkdir(ROOT_INO, 'p', 0o755, 0, 0).ino;
    const q = fs.mkdir(p, 'q', 0o755, 0, 0).ino;
    await fs.unmount();
    await rewriteMetadata(device, (meta) => {
      for (const name of ['d', 'f', 'p']) meta.apply({ kind: 'unlink', parent: ROOT_INO, name });
      meta.apply({ kind: 'link', parent: q, name: 'back', ino: p });
    });
    const damaged = (await fsck(device)).problems;
    expect(damaged).toContain(`inode ${d}: directory has no name`);
    expect(damaged).toContain(`inode ${f}: link count 1, but 0 names`);
    expect(damaged).toContain(`directory ${p} is not connected to the root`);

    await repairToClean(device, [
      /^created \/lost\+found \(inode 7\) for the inodes no name reaches$/,
      /^inode 2: no name reaches it: moved to \/lost\+found\/#2$/,
      /^inode 4: no name reaches it: moved to \/lost\+found\/#4$/,
      /^directory 5: named only from a cycle of directories the root does not reach: its name 'back' in directory 6 removed$/,
      /^inode 5: no name reaches it: moved to \/lost\+found\/#5$/,
    ]);
    const repaired = await mount(device);
    const lostFound = repaired.lookup(ROOT_INO, 'lost+found');
    expect(repaired.readdir(lostFound).map((e) => e.name).sort()).toEqual(['#2', '#4', '#5']);
    expect(await contents(repaired, repaired.lookup(repaired.lookup(lostFound, '#2'), 'x'))).toBe('x data');
    expect(await contents(repaired, repaired.lookup(lostFound, '#4'))).toBe('f data');
    expect(repaired.readdir(repaired.lookup(repaired.lookup(lostFound, '#5'), 'q'))).toEqual([]);
    await repaired.unmount();
  });

  it('a directory named twice keeps the name its parent agrees with and loses the other', async () => {
    const { fs, device } = await freshFs();
    const p = fs.mkdir(ROOT_INO, 'p', 0o755, 0, 0).ino;
    const d = fs.mkdir(p, 'd', 0o755, 0, 0).ino;
    await fs.unmount();
    await rewriteMetadata(device, (meta) => {
      meta.apply({ kind: 'link', parent: ROOT_INO, name: 'again', ino: d });
      meta.apply({ kind: 'link', parent: p, name: 'd', ino: d });
    });
    expect((await fsck(device)).problems).toContain(`directory ${d} has more than one name`);

    await repairToClean(device, [/^directory 3: also named 'again' in directory 1: that name removed \(a directory has one name; it keeps 'd' in directory 2\)$/]);
    const repaired = await mount(device);
    expect(repaired.readdir(ROOT_INO).map((e) => e.name)).toEqual(['p']);
    expect(repaired.lookup(d, '..')).toBe(p);
    await repaired.unmount();
  });

  it('blocks claimed twice get a copy for the second claim; blocks past the end or outside the data region are unmapped', async () => {
    const { fs, device } = await freshFs();
    const a = await blockFile(fs, 'a', [0xa0, 0xa1]);
    const b = await blockFile(fs, 'b', [0xb0, 0xb1]);
    const c = await blockFile(fs, 'c', [0xc0, 0xc1]);
    const d = await blockFile(fs, 'd', [0xd0]);
    const e = await blockFile(fs, 'e', [0xe0]);
    const aBlock0 = fs.store(a).bmap(0)!;
    await fs.unmount();
    expect((await fsck(device)).summary?.usedBlocks).toBe(8);
    await rewriteMetadata(device, (meta, g) => {
      meta.apply({ kind: 'map', ino: b, lblk: 0, pblk: aBlock0, len: 1 });
      meta.apply({ kind: 'map', ino: c, lblk: 1, pblk: meta.get(c)!.extents!.lookup(0)!, len: 1 });
      meta.apply({ kind: 'map', ino: d, lblk: 1, pblk: g.dataStart + g.dataBlocks - 1, len: 1 });
      meta.apply({ kind: 'map', ino: e, lblk: 0, pblk: 5, len: 1 });
    });
    expect((await fsck(device)).problems).toEqual([
      `inode ${b}: blocks ${aBlock0}+1 lie outside the data region or belong to another file`,
      expect.stringMatching(/^inode 4: blocks \d+\+1 lie outside the data region or belong to another file$/),
      'inode 5: block 1 mapped past the end of the file (size 4096)',
      'inode 6: blocks 5+1 lie outside the data region or belong to another file',
    ]);

    await repairToClean(device, [
      /^inode 3: file block 0 maps device block \d+, also claimed by inode 2, which keeps it: copied to free block \d+$/,
      /^inode 4: file block 1 maps device block \d+, also claimed by inode 4, which keeps it: copied to free block \d+$/,
      /^inode 5: 1 blocks mapped past the end of the file \(size 4096\): unmapped, no data lost$/,
      /^inode 6: file block 0 maps device block 5, outside the data region: unmapped, 4096 bytes lost$/,
    ]);
    // b's and c's own blocks that nothing maps any more are free again (leaked blocks need no repair):
    // 8 before, less e's, with the two copies in place of the two leaked blocks.
    expect((await fsck(device)).summary?.usedBlocks).toBe(7);
    const repaired = await mount(device);
    expect(await runsOf(repaired, a)).toBe('0-4095:a0 4096-8191:a1');
    expect(await runsOf(repaired, b)).toBe('0-4095:a0 4096-8191:b1');
    expect(repaired.store(b).bmap(0)).not.toBe(aBlock0);
    expect(await runsOf(repaired, c)).toBe('0-8191:c0');
    expect(await runsOf(repaired, d)).toBe('0-4095:d0');
    expect(await runsOf(repaired, e)).toBe('0-4095:0');
    await repaired.unmount();
  });

  it('a block claimed twice with no free block left to copy it to: unmapped from the second claim, the loss reported', async () => {
    const { fs, device } = await freshFs(2 * 2 ** 20);
    const a = await blockFile(fs, 'a', [0xa0]);
    const b = fs.create(ROOT_INO, 'b', 0o644, 0, 0).ino;
    await fs.store(b).write(BLOCK_SIZE, Buffer.alloc(BLOCK_SIZE, 0xb1));
    await blockFile(fs, 'filler', new Array<number>(fs.statfs().bfree).fill(0xff));
    expect(fs.statfs().bfree).toBe(0);
    const aBlock0 = fs.store(a).bmap(0)!;
    await fs.unmount();
    await rewriteMetadata(device, (meta) => {
      meta.apply({ kind: 'map', ino: b, lblk: 0, pblk: aBlock0, len: 1 });
    });

    await repairToClean(device, [
      /^inode 3: file block 0 maps device block \d+, also claimed by inode 2, which keeps it: no free block for 1: unmapped, 4096 bytes lost$/,
    ]);
    const repaired = await mount(device);
    expect(await runsOf(repaired, a)).toBe('0-4095:a0');
    expect(await runsOf(repaired, b)).toBe('0-4095:0 4096-8191:b1');
    await repaired.unmount();
  });
});

describe('fsck --repair of the log and the superblocks', () => {
  /** An image as a crash leaves it: three commits in the log (files a, b, c), not checkpointed. */
  async function crashedWithLog(): Promise<MemoryDevice> {
    const { fs, device } = await freshFs();
    for (const name of ['a', 'b', 'c']) {
      const ino = fs.create(ROOT_INO, name, 0o644, 0, 0).ino;
      await fs.store(ino).write(0, Buffer.from(`contents of ${name}`));
      await fs.fsync(ino);
    }
    const crashed = crashCopy(device);
    await fs.unmount();
    return crashed;
  }

  /** Where each record of the log starts, in the image. */
  function logRecords(device: MemoryDevice): number[] {
    const copy = decodeSuperblock(Buffer.from(device.bytes.subarray(0, BLOCK_SIZE)));
    if (copy.status !== 'ok') throw new Error('test image has a bad superblock');
    const g = copy.sb.geometry;
    const region = Buffer.from(device.bytes.subarray(g.logStart * BLOCK_SIZE, (g.logStart + g.logBlocks) * BLOCK_SIZE));
    const offsets: number[] = [];
    let at = g.logStart * BLOCK_SIZE;
    for (const payload of scanLog(region, copy.sb.epoch)!.payloads) {
      offsets.push(at);
      at += recordBytes(payload.length);
    }
    return offsets;
  }

  const names = async (device: MemoryDevice): Promise<string[]> => {
    const fs = await mount(device);
    const result = fs.readdir(ROOT_INO).map((e) => e.name);
    await fs.unmount();
    return result;
  };

  it('a torn log tail is discarded, as mount would, and a fresh checkpoint leaves the log clean', async () => {
    const device = await crashedWithLog();
    const records = logRecords(device);
    expect(records).toHaveLength(3);
    device.bytes[records[2]! + 40]! ^= 0x5a;
    expect((await fsck(device)).notes).toContain('log: record 2 is incomplete (a crash during its commit); it is discarded');

    await repairToClean(device, [
      /^log: record 2 is incomplete \(a crash during its commit\): discarded, as mount would$/,
      /^wrote a fresh checkpoint/,
    ]);
    expect(logRecords(device)).toEqual([]);
    const fs = await mount(device);
    expect(fs.readdir(ROOT_INO).map((e) => e.name)).toEqual(['a', 'b']);
    expect(await contents(fs, fs.lookup(ROOT_INO, 'b'))).toBe('contents of b');
    await fs.unmount();
  });

  it('a damaged log record that valid records follow: it and the records after it are discarded, the loss reported', async () => {
    const device = await crashedWithLog();
    device.bytes[logRecords(device)[1]! + 40]! ^= 0x5a;
    expect((await fsck(device)).problems).toEqual([expect.stringMatching(/^log: record 1 .* is damaged, and valid records follow it$/)]);

    await repairToClean(device, [
      /^log: record 1 is damaged and valid records follow it: it and every record after it are discarded \(the changes they committed are lost\)$/,
    ]);
    expect(await names(device)).toEqual(['a']);
  });

  it('one bad superblock copy is rewritten from the good one', async () => {
    const device = await crashedWithLog();
    device.bytes[20]! ^= 0x5a;
    expect((await fsck(device)).problems).toEqual([expect.stringMatching(/^superblock copy A: bad-crc/)]);

    await repairToClean(device, [/^superblock copy A: bad-crc: rewritten from copy B$/]);
    const copyA = Buffer.from(device.bytes.subarray(0, BLOCK_SIZE));
    expect(decodeSuperblock(copyA).status).toBe('ok');
    expect(copyA.equals(Buffer.from(device.bytes.subarray(BLOCK_SIZE, 2 * BLOCK_SIZE)))).toBe(true);
    expect(await names(device)).toEqual(['a', 'b', 'c']);
  });
});
