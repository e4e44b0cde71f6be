/**
 * Guards the bytes a shrink leaves on the device past the new end, in the new last block: when the
 * file grows over them again (a store write past EOF, setSize or extendSize growing, a buffered write
 * past EOF through the page cache), they read as zeros, also after a remount; a write that covers
 * part of them keeps its data.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, Filesystem, ROOT_INO, type MemoryDevice } from '../../src/fs/api.js';
import { PageCache, bufferedWrite, fsync, truncate } from '../../src/mm/api.js';
import type { BackingStore } from '../../src/mm/backing-store.js';
import type { IoVec } from '../../src/util/iovec.js';
import { byteRuns, freshFs } from './helpers.js';

const OLD = 0x41;
const NEW = 0x62;
const NEW_HEX = NEW.toString(16);
const OLD_SIZE = 2 * BLOCK_SIZE;
const SHRUNK = 100;

/** A file of two fsync'd blocks of OLD; the shrink to SHRUNK is left to the caller. */
async function fsyncedFile(): Promise<{ fs: Filesystem; device: MemoryDevice; ino: number; store: BackingStore }> {
  const { fs, device } = await freshFs();
  const ino = fs.create(ROOT_INO, 'f', 0o644, 0, 0).ino;
  const store = fs.store(ino);
  await store.write(0, new Uint8Array(OLD_SIZE).fill(OLD));
  await fs.fsync(ino);
  return { fs, device, ino, store };
}

async function contents(store: BackingStore): Promise<string> {
  const bytes = new Uint8Array(store.size());
  await store.read(0, bytes);
  return byteRuns(bytes);
}

/** The file's contents now, then after a clean unmount and a fresh mount of the same device. */
async function contentsNowAndAfterRemount(fs: Filesystem, device: MemoryDevice, store: BackingStore): Promise<string[]> {
  const now = await contents(store);
  await fs.unmount();
  const again = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
  const after = await contents(again.store(again.lookup(ROOT_INO, 'f')));
  await again.unmount();
  return [now, after];
}

/** Ways to grow the shrunk file from the store, and what it then holds. */
const growths: Array<{ how: string; grow: (store: BackingStore) => Promise<void>; expected: string }> = [
  {
    how: 'a store write past EOF',
    grow: (store) => store.write(3 * BLOCK_SIZE, new Uint8Array(50).fill(NEW)),
    expected: `0-99:41 100-12287:0 12288-12337:${NEW_HEX}`,
  },
  { how: 'setSize', grow: (store) => store.setSize(OLD_SIZE), expected: '0-99:41 100-8191:0' },
  { how: 'extendSize', grow: (store) => store.extendSize(BLOCK_SIZE), expected: '0-99:41 100-4095:0' },
  {
    how: 'a write inside the stale bytes, which keeps its data',
    grow: async (store) => {
      await store.write(200, new Uint8Array(100).fill(NEW));
      await store.setSize(BLOCK_SIZE);
    },
    expected: `0-99:41 100-199:0 200-299:${NEW_HEX} 300-4095:0`,
  },
];

describe('after a shrink, the bytes past the new end read as zeros once the file grows over them', () => {
  for (const { how, grow, expected } of growths) {
    it(`grown by ${how}`, async () => {
      const { fs, device, store } = await fsyncedFile();
      await store.setSize(SHRUNK);
      await grow(store);
      expect(await contentsNowAndAfterRemount(fs, device, store)).toEqual([expected, expected]);
    });
  }

  it('grown by a buffered write past EOF whose page is not the stale one', async () => {
    const { fs, device, store } = await fsyncedFile();
    const cache = new PageCache({ cacheSize: 1 << 20 });
    const mapping = cache.createMapping(store);
    await truncate(mapping, SHRUNK);
    await bufferedWrite(mapping, 3 * BLOCK_SIZE, new Uint8Array(50).fill(NEW));
    await fsync(mapping);
    await cache.close();
    const expected = `0-99:41 100-12287:0 12288-12337:${NEW_HEX}`;
    expect(await contentsNowAndAfterRemount(fs, device, store)).toEqual([expected, expected]);
  });

  it('grown in a later mount than the shrink', async () => {
    const { fs, device, store } = await fsyncedFile();
    await store.setSize(SHRUNK);
    await fs.unmount();
    const again = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    const regrown = again.store(again.lookup(ROOT_INO, 'f'));
    await regrown.setSize(BLOCK_SIZE);
    const expected = '0-99:41 100-4095:0';
    expect(await contentsNowAndAfterRemount(again, device, regrown)).toEqual([expected, expected]);
  });
});

describe('an extending write that fails', () => {
  it('leaves none of its data to show when the file grows later', async () => {
    const { fs, device } = await freshFs();
    const store = fs.store(fs.create(ROOT_INO, 'f', 0o644, 0, 0).ino);
    await store.write(0, new Uint8Array(SHRUNK).fill(OLD));
    const deviceWrite = device.write.bind(device);
    let writes = 0;
    device.write = async (pos: number, buf: IoVec) => {
      // The write into the mapped last block lands; the one into the fresh block after it fails.
      if (++writes === 2) throw new Error('EIO');
      return deviceWrite(pos, buf);
    };
    await expect(store.write(50, new Uint8Array(OLD_SIZE).fill(NEW))).rejects.toThrow('EIO');
    device.write = deviceWrite;
    expect(store.size()).toBe(SHRUNK);
    await store.setSize(BLOCK_SIZE);
    expect(await contents(store)).toBe(`0-49:41 50-99:${NEW_HEX} 100-4095:0`);
    await fs.unmount();
  });
});
