/**
 * Guards the new data operations together against a byte-array model of two files: random writes
 * (buffered and O_DIRECT), punches, zero ranges and allocations with or without KEEP_SIZE,
 * truncates, copy_file_range in both directions and onto the same file (lengths past the source's
 * EOF included), fsyncs and remounts, at offsets unaligned, at 0 and past EOF, on images small
 * enough to run out of space (ENOSPC must change nothing). After every step the sizes match; every
 * few steps the contents do; SEEK_DATA never skips a nonzero byte and SEEK_HOLE never passes EOF;
 * at every remount fsck finds the image clean and the free blocks plus the files' blocks add up to
 * what was free at the start (nothing leaked, nothing held).
 */
import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fsck } from '../../src/fs/api.js';
import { Vfs } from '../../src/vfs/api.js';
import { FALLOC_FL_KEEP_SIZE as KEEP, FALLOC_FL_PUNCH_HOLE as PUNCH, FALLOC_FL_ZERO_RANGE as ZERO, SEEK_DATA, SEEK_HOLE } from '../../src/vfs/fallocate.js';
import { prng, testSeed } from '../mm/prng.js';
import { freshVfs, O_RDWR } from './helpers.js';

const P = 4096;
const OPTIONS = { cacheSize: 1 << 20, coherence: 'locked', dioAlign: 512, commitIntervalMs: 0 } as const;
const STEPS = 400;
type Name = 'a' | 'b';
const NAMES: readonly Name[] = ['a', 'b'];

/** The two files as the model holds them, and as the Vfs has them open (buffered and O_DIRECT handles). */
class TwoFiles {
  readonly model: Record<Name, Uint8Array> = { a: new Uint8Array(0), b: new Uint8Array(0) };
  buffered!: Record<Name, number>;
  direct!: Record<Name, number>;

  constructor(public vfs: Vfs) {
    this.open();
  }

  open(): void {
    const open = (flags: number): Record<Name, number> => ({ a: this.vfs.open('/a', flags), b: this.vfs.open('/b', flags) });
    this.buffered = open(O_RDWR);
    this.direct = open(O_RDWR | constants.O_DIRECT);
  }

  async close(): Promise<void> {
    for (const name of NAMES) {
      await this.vfs.release(this.buffered[name]);
      await this.vfs.release(this.direct[name]);
    }
    await this.vfs.close();
  }

  resize(name: Name, size: number): void {
    const bytes = new Uint8Array(size);
    bytes.set(this.model[name].subarray(0, size));
    this.model[name] = bytes;
  }

  /** The model after writing `data` at pos (growing the file when it ends past EOF). */
  put(name: Name, pos: number, data: Uint8Array): void {
    if (pos + data.length > this.model[name].length) this.resize(name, pos + data.length);
    this.model[name].set(data, pos);
  }

  /** The model after zeroing [pos, pos+length) inside the file. */
  zero(name: Name, pos: number, length: number): void {
    const end = Math.min(pos + length, this.model[name].length);
    if (pos < end) this.model[name].fill(0, pos, end);
  }
}

async function run(seed: number, imageBytes: number, span: number): Promise<void> {
  const r = prng(seed);
  const { vfs, device } = await freshVfs({}, imageBytes);
  vfs.mknod('/a', 0o644);
  vfs.mknod('/b', 0o644);
  const free = vfs.statfs().bfree;
  const files = new TwoFiles(vfs);
  const log: string[] = [];
  const recent = (): string => `seed ${seed}:\n${log.slice(-12).join('\n')}`;
  for (let step = 0; step < STEPS; step++) {
    const name = r.pick(NAMES);
    const other = r.pick(NAMES);
    const pos = r.pick([0, r.int(span * P), r.int(10) * P, r.int(span * P) + 1]);
    const length = r.pick([1, r.int(8 * P) + 1, (r.int(4) + 1) * P, 3 * P - 1]);
    const keep = r.int(2) === 1;
    const fill = (step % 255) + 1;
    const { vfs: v, buffered: fh } = files;
    const op = r.pick(['write', 'direct', 'punch', 'zero', 'allocate', 'truncate', 'copy', 'fsync', 'remount', 'seek'] as const);
    log.push(`${op} ${name} ${pos} ${length}${keep ? ' keep' : ''}${op === 'copy' ? ` from ${other}` : ''}`);
    try {
      switch (op) {
        case 'write': {
          const data = new Uint8Array(length).fill(fill);
          files.put(name, pos, data.subarray(0, await v.write(fh[name], pos, data)));
          break;
        }
        case 'direct': {
          const at = pos - (pos % 512);
          const data = new Uint8Array(Math.ceil(length / 512) * 512).fill(fill);
          files.put(name, at, data.subarray(0, await v.write(files.direct[name], at, data)));
          break;
        }
        case 'punch':
          await v.fallocate(fh[name], PUNCH | KEEP, pos, length);
          files.zero(name, pos, length);
          break;
        case 'zero':
        case 'allocate':
          await v.fallocate(fh[name], (op === 'zero' ? ZERO : 0) | (keep ? KEEP : 0), pos, length);
          if (!keep && pos + length > files.model[name].length) files.resize(name, pos + length);
          if (op === 'zero') files.zero(name, pos, length);
          break;
        case 'truncate':
          await v.ftruncate(fh[name], pos);
          files.resize(name, pos);
          break;
        case 'copy': {
          const source = files.model[other];
          const from = r.int(source.length + P);
          const asked = keep ? 2 ** 50 : length;
          const count = Math.max(0, Math.min(asked, source.length - from));
          if (other === name && count > 0 && pos < from + count && from < pos + count) break;
          const data = source.slice(from, from + count);
          expect(await v.copyFileRange(fh[other], from, fh[name], pos, asked), recent()).toBe(count);
          if (count > 0) files.put(name, pos, data);
          break;
        }
        case 'fsync':
          await v.fsync(fh[name]);
          break;
        case 'remount':
          await files.close();
          expect((await fsck(device)).problems, recent()).toEqual([]);
          files.vfs = await Vfs.openDevice(device, OPTIONS);
          files.open();
          expect(files.vfs.statfs().bfree + (files.vfs.getattr('/a').blocks + files.vfs.getattr('/b').blocks) / 8, recent()).toBe(free);
          break;
        case 'seek': {
          const bytes = files.model[name];
          const at = r.int(bytes.length + 2);
          const answer = (whence: number): number | string => {
            try {
              return v.lseek(fh[name], at, whence);
            } catch (err) {
              return (err as { code: string }).code;
            }
          };
          const data = answer(SEEK_DATA);
          const hole = answer(SEEK_HOLE);
          if (at >= bytes.length) {
            expect([data, hole], recent()).toEqual(['ENXIO', 'ENXIO']);
            break;
          }
          const skipped = bytes.subarray(at, typeof data === 'number' ? data : bytes.length);
          expect(skipped.every((byte) => byte === 0), `SEEK_DATA ${data}: ${recent()}`).toBe(true);
          expect(hole, recent()).toBeLessThanOrEqual(bytes.length);
          break;
        }
      }
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOSPC') throw err;
      log.push('ENOSPC');
    }
    for (const each of NAMES) expect(files.vfs.getattr(`/${each}`).size, recent()).toBe(files.model[each].length);
    if (step % 10 !== 0) continue;
    for (const each of NAMES) {
      const seen = new Uint8Array(files.model[each].length);
      await files.vfs.read(files.buffered[each], 0, seen);
      expect(seen.findIndex((byte, i) => byte !== files.model[each][i]), `${each} differs: ${recent()}`).toBe(-1);
    }
  }
  await files.close();
  expect((await fsck(device)).problems).toEqual([]);
}

describe('fallocate, copy_file_range, truncate and SEEK_DATA/HOLE against a model', () => {
  const seed = testSeed();
  it(`on a roomy image (seed ${seed})`, () => run(seed, 8 * 2 ** 20, 40));
  it(`on an image that fills up (seed ${seed + 1})`, () => run(seed + 1, 2 * 2 ** 20, 300));
});
