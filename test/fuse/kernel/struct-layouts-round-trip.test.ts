/**
 * Every FUSE struct coherefs speaks encodes to the kernel's size and decodes back to the same
 * values, with each field at the offset include/uapi/linux/fuse.h gives it (checked by reading
 * chosen fields straight from the bytes).
 */
import { describe, expect, it } from 'vitest';
import { viewOf, type Layout } from '../../../src/fuse/kernel/layout.js';
import * as S from '../../../src/fuse/kernel/structs.js';

/** Distinct values per field, so a swapped or misplaced field cannot round-trip. */
function sample<T>(layout: Layout<T>, seed: number): T {
  const zero = layout.read(new DataView(new ArrayBuffer(layout.size)), 0) as Record<string, unknown>;
  let n = seed;
  const fill = (template: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      n += 1;
      if (typeof value === 'bigint') out[key] = 0x1234_5678_9abc_def0n + BigInt(n);
      else if (typeof value === 'number') out[key] = n * 3;
      else out[key] = fill(value as Record<string, unknown>);
    }
    return out;
  };
  return fill(zero) as T;
}

function encode<T>(layout: Layout<T>, value: T): Uint8Array {
  const bytes = new Uint8Array(layout.size).fill(0xee);
  layout.write(viewOf(bytes), 0, value);
  return bytes;
}

const SIZES: [string, Layout<unknown>, number][] = [
  ['fuse_in_header', S.inHeader, 40], ['fuse_out_header', S.outHeader, 16], ['fuse_init_in', S.initIn, 64],
  ['fuse_init_out', S.initOut, 64], ['fuse_attr', S.attr, 88], ['fuse_entry_out', S.entryOut, 128],
  ['fuse_attr_out', S.attrOut, 104], ['fuse_getattr_in', S.getattrIn, 16], ['fuse_setattr_in', S.setattrIn, 88],
  ['fuse_open_in', S.openIn, 8], ['fuse_open_out', S.openOut, 16], ['fuse_create_in', S.createIn, 16],
  ['fuse_mknod_in', S.mknodIn, 16], ['fuse_mkdir_in', S.mkdirIn, 8], ['fuse_rename_in', S.renameIn, 8],
  ['fuse_rename2_in', S.rename2In, 16], ['fuse_link_in', S.linkIn, 8], ['fuse_release_in', S.releaseIn, 24],
  ['fuse_flush_in', S.flushIn, 24], ['fuse_read_in', S.readIn, 40], ['fuse_write_in', S.writeIn, 40],
  ['fuse_write_out', S.writeOut, 8], ['fuse_fsync_in', S.fsyncIn, 16], ['fuse_access_in', S.accessIn, 8],
  ['fuse_getxattr_in', S.getxattrIn, 8], ['fuse_getxattr_out', S.getxattrOut, 8], ['fuse_forget_in', S.forgetIn, 8],
  ['fuse_batch_forget_in', S.batchForgetIn, 8], ['fuse_forget_one', S.forgetOne, 16],
  ['fuse_interrupt_in', S.interruptIn, 8], ['fuse_kstatfs', S.kstatfs, 80], ['fuse_dirent', S.dirent, 24],
  ['fuse_direntplus', S.direntplus, 152], ['fuse_copy_file_range_in', S.copyFileRangeIn, 56],
  ['fuse_copy_file_range_out', S.copyFileRangeOut, 8],
];

describe('FUSE struct layouts', () => {
  it.each(SIZES)('%s is sizeof bytes and round-trips', (_name, layout, size) => {
    expect(layout.size).toBe(size);
    const value = sample(layout, size);
    const bytes = encode(layout, value);
    expect(layout.read(viewOf(bytes), 0)).toEqual(value);
  });

  it('reserved bytes are written as zero', () => {
    const bytes = encode(S.openOut, { fh: 7, openFlags: 1 });
    expect([...bytes.subarray(12, 16)]).toEqual([0, 0, 0, 0]);
    expect([...encode(S.initOut, sample(S.initOut, 1)).subarray(36)]).toEqual(new Array(28).fill(0));
  });

  it('fields sit at the offsets of the kernel header', () => {
    const header = viewOf(encode(S.inHeader, { len: 80, opcode: 15, unique: 99n, nodeid: 2 ** 40 + 5, uid: 65534, gid: 100, pid: 4242, totalExtlen: 3 }));
    expect(header.getUint32(4, true)).toBe(15);
    expect(header.getBigUint64(8, true)).toBe(99n);
    expect(header.getBigUint64(16, true)).toBe(2n ** 40n + 5n);
    expect([header.getUint32(24, true), header.getUint32(28, true), header.getUint32(32, true)]).toEqual([65534, 100, 4242]);
    expect(header.getUint16(36, true)).toBe(3);

    const setattr = viewOf(encode(S.setattrIn, { ...sample(S.setattrIn, 0), mode: 0o104755, uid: 11, gid: 12, atimensec: 13, mtimensec: 14 }));
    expect(setattr.getUint32(68, true)).toBe(0o104755);
    expect([setattr.getUint32(76, true), setattr.getUint32(80, true)]).toEqual([11, 12]);
    expect([setattr.getUint32(56, true), setattr.getUint32(60, true)]).toEqual([13, 14]);

    const entry = viewOf(encode(S.entryOut, sample(S.entryOut, 0)));
    const decoded = S.entryOut.read(entry, 0);
    expect(entry.getUint32(40 + 60, true)).toBe(decoded.attr.mode);

    const init = viewOf(encode(S.initOut, { ...sample(S.initOut, 0), maxPages: 256, flags2: 1 << 4 }));
    expect(init.getUint16(28, true)).toBe(256);
    expect(init.getUint32(32, true)).toBe(1 << 4);

    const copy = viewOf(encode(S.copyFileRangeIn, { fhIn: 1, offIn: 2, nodeidOut: 3, fhOut: 4, offOut: 5, len: 6, flags: 7 }));
    expect([16, 24, 40, 48].map((at) => copy.getUint32(at, true))).toEqual([3, 4, 6, 7]);
  });

  it('a negative error and times before 1970 survive (signed fields)', () => {
    expect(S.outHeader.read(viewOf(encode(S.outHeader, { len: 16, error: -2, unique: 1n })), 0).error).toBe(-2);
    const setattr = { ...sample(S.setattrIn, 0), atime: -1, mtime: -1000 };
    expect(S.setattrIn.read(viewOf(encode(S.setattrIn, setattr)), 0)).toEqual(setattr);
  });
});
