/**
 * Guards the vectored data path (IoVec): a store write given as several buffers lands byte for byte
 * as one buffer would, fresh blocks are zero-padded (a reused block never shows its previous
 * owner's bytes), and the image file's preadv/pwritev handle split buffers and reads past its end.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileDevice, ROOT_INO } from '../../src/fs/api.js';
import { ioVecSlice } from '../../src/util/iovec.js';
import { freshFs, tempDirPerTest } from './helpers.js';

/** Cut bytes into buffers of the given lengths, repeating the pattern of lengths. */
function cut(bytes: Uint8Array, lengths: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.min(lengths[i % lengths.length]!, bytes.length - at);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

describe('vectored store writes', () => {
  it('write several buffers into holes and mapped blocks, and read them back through split buffers', async () => {
    const { fs } = await freshFs();
    // Fill the whole data area with a previous owner's bytes, then free them for reuse.
    const old = fs.store(fs.create(ROOT_INO, 'old', 0o644, 0, 0).ino);
    await old.write(0, new Uint8Array(fs.statfs().bfree * 4096).fill(0xee));
    expect(fs.statfs().bfree).toBe(0);
    fs.unlink(ROOT_INO, 'old');
    await fs.sync();

    const ino = fs.create(ROOT_INO, 'f', 0o644, 0, 0).ino;
    const store = fs.store(ino);
    const expected = new Uint8Array(40 * 4096);
    const writes: Array<[number, number, number[]]> = [
      [100, 3 * 4096 + 17, [1, 4095, 300]], // into holes, unaligned at both ends
      [9 * 4096 + 5, 10, [3]], // a tiny write into a fresh block between others
      [2 * 4096 + 1000, 6 * 4096, [4096, 1, 700]], // over mapped blocks and past them into holes
      [30 * 4096, 4096, [4096]], // one whole fresh block, no padding
    ];
    for (const [pos, length, lengths] of writes) {
      const data = pattern(length, pos);
      await store.write(pos, cut(data, lengths));
      expected.set(data, pos);
    }
    const size = 30 * 4096 + 4096;
    expect(store.size()).toBe(size);
    const back = new Uint8Array(size + 5000).fill(0x55);
    await store.read(0, cut(back, [333, 4096, 1]));
    expect(Buffer.from(back.subarray(0, size)).equals(Buffer.from(expected.subarray(0, size)))).toBe(true);
    expect(back.subarray(size).every((b) => b === 0)).toBe(true);
  });
});

describe('image file preadv/pwritev', () => {
  const dir = tempDirPerTest('coherefs-iovec-');

  it('writes and reads split buffers at an offset; bytes past the end read as zeros', async () => {
    const path = join(dir(), 'image');
    await writeFile(path, new Uint8Array(64 * 1024));
    const device = await FileDevice.open(path);
    try {
      const data = pattern(20_000, 3);
      await device.write(1234, cut(data, [1, 5000, 77]));
      const back = new Uint8Array(20_000);
      await device.read(1234, cut(back, [4096, 3]));
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);

      const tail = new Uint8Array(10_000).fill(0x55);
      await device.read(60 * 1024, ioVecSlice(cut(tail, [1000]), 0, tail.length));
      expect(tail.every((b) => b === 0)).toBe(true);
    } finally {
      await device.close();
    }
  });
});
