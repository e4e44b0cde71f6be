/**
 * Guards file times at the fs layer: nanoseconds, and times before 1970 or past 2262 (beyond an i64
 * of nanoseconds), come back exactly from the log (a crash copy, replayed at mount) and from a
 * checkpoint (unmount, mount); data written through the store, as writeback writes it, changes the
 * size and no time (the system call above sets mtime and ctime, Filesystem.fileUpdateTime).
 */
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Filesystem, fsck, MemoryDevice, ROOT_INO as R, type Attr } from '../../src/fs/api.js';
import { freshFs } from './helpers.js';

const TIMES = [
  { atimeNs: 946684800123456789n, mtimeNs: 1234567890987654321n },
  { atimeNs: -1n, mtimeNs: -86_400_000_000_000_001n },
  { atimeNs: 2n ** 64n + 7n, mtimeNs: 2n ** 63n * 1000n + 999_999_999n },
];

const times = (fs: Filesystem, ino: number): Pick<Attr, 'atimeNs' | 'mtimeNs' | 'ctimeNs'> => {
  const { atimeNs, mtimeNs, ctimeNs } = fs.getattr(ino);
  return { atimeNs, mtimeNs, ctimeNs };
};

describe('file times', () => {
  it('nanosecond times come back exactly from the log and from a checkpoint', async () => {
    const { fs, device } = await freshFs();
    const inos = TIMES.map((t, i) => {
      const ino = fs.create(R, `f${i}`, 0o644, 0, 0).ino;
      fs.setattr(ino, t);
      return ino;
    });
    const set = inos.map((ino) => times(fs, ino));
    expect(set.map(({ atimeNs, mtimeNs }) => ({ atimeNs, mtimeNs }))).toEqual(TIMES);
    await fs.sync();

    const crashed = await Filesystem.mountDevice(new MemoryDevice(device.bytes.slice()), { commitIntervalMs: 0 });
    expect(inos.map((ino) => times(crashed, ino)), 'replayed from the log').toEqual(set);
    await crashed.unmount();

    await fs.unmount();
    const again = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    expect(inos.map((ino) => times(again, ino)), 'read from a checkpoint').toEqual(set);
    await again.unmount();
    expect(await fsck(device)).toMatchObject({ clean: true, problems: [] });
  });

  it('writing and truncating through the store, as writeback and truncate do, changes the size and no time', async () => {
    const { fs } = await freshFs();
    const ino = fs.create(R, 'f', 0o644, 0, 0).ino;
    fs.setattr(ino, TIMES[0]!);
    const set = times(fs, ino);
    await sleep(5);
    const store = fs.store(ino);
    await store.write(0, Buffer.alloc(5000, 1));
    await store.write(0, Buffer.alloc(100, 2));
    await store.extendSize(9000);
    await store.setSize(10);
    expect(fs.getattr(ino).size).toBe(10);
    expect(times(fs, ino)).toEqual(set);

    fs.fileUpdateTime(ino);
    const updated = times(fs, ino);
    expect(updated.mtimeNs).toBeGreaterThan(set.ctimeNs);
    expect(updated.ctimeNs).toBe(updated.mtimeNs);
    await fs.unmount();
  });
});
