/**
 * FALLOCATE and LSEEK on the wire: struct fuse_fallocate_in, fuse_lseek_in and fuse_lseek_out are
 * the kernel's size, round-trip, and keep each field at its header offset (a negative loff_t too);
 * whole requests decode to them. MKNOD's device number reaches the request (fuse_mknod_in.rdev).
 */
import { describe, expect, it } from 'vitest';
import { viewOf, type Layout } from '../../../src/fuse/kernel/layout.js';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import { decodeRequest } from '../../../src/fuse/kernel/request.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { REQUEST_NODEID, requestBytes as request } from './request-bytes.js';

function encode<T>(layout: Layout<T>, value: T): Uint8Array {
  const bytes = new Uint8Array(layout.size).fill(0xee);
  layout.write(viewOf(bytes), 0, value);
  return bytes;
}

describe('FALLOCATE and LSEEK structs', () => {
  it('are the kernel sizes, round-trip, and keep the header offsets', () => {
    const falloc = { fh: 2 ** 40 + 1, offset: 2 ** 33 + 2, length: 2 ** 35 + 3, mode: 0x11 };
    const fbytes = encode(S.fallocateIn, falloc);
    expect(fbytes.length).toBe(32);
    expect(S.fallocateIn.read(viewOf(fbytes), 0)).toEqual(falloc);
    const fview = viewOf(fbytes);
    expect([fview.getBigUint64(0, true), fview.getBigUint64(8, true), fview.getBigUint64(16, true)]).toEqual([2n ** 40n + 1n, 2n ** 33n + 2n, 2n ** 35n + 3n]);
    expect([fview.getUint32(24, true), fview.getUint32(28, true)]).toEqual([0x11, 0]);

    const seek = { fh: 5, offset: -4096, whence: 4 };
    const sbytes = encode(S.lseekIn, seek);
    expect(sbytes.length).toBe(24);
    expect(S.lseekIn.read(viewOf(sbytes), 0)).toEqual(seek);
    expect([viewOf(sbytes).getBigInt64(8, true), viewOf(sbytes).getUint32(16, true)]).toEqual([-4096n, 4]);

    const out = encode(S.lseekOut, { offset: 2 ** 44 });
    expect(out.length).toBe(8);
    expect(viewOf(out).getBigInt64(0, true)).toBe(2n ** 44n);
    expect(S.lseekOut.read(viewOf(out), 0)).toEqual({ offset: 2 ** 44 });
  });

  it('whole requests decode to them', () => {
    expect(decodeRequest(request(Opcode.FALLOCATE, encode(S.fallocateIn, { fh: 3, offset: 4096, length: 8192, mode: 3 })))).toMatchObject({
      op: 'fallocate', arg: { fh: 3, offset: 4096, length: 8192, mode: 3 }, header: { nodeid: REQUEST_NODEID },
    });
    expect(decodeRequest(request(Opcode.LSEEK, encode(S.lseekIn, { fh: 3, offset: 100, whence: 3 })))).toMatchObject({
      op: 'lseek', arg: { fh: 3, offset: 100, whence: 3 },
    });
    expect(() => decodeRequest(request(Opcode.FALLOCATE, new Uint8Array(24)))).toThrow(/shorter/);
    expect(decodeRequest(request(Opcode.MKNOD, encode(S.mknodIn, { mode: 0o020600, rdev: (1 << 8) | 3, umask: 0o22 }), Buffer.from('null\0')))).toMatchObject({
      op: 'mknod', name: 'null', arg: { mode: 0o020600, rdev: 259 },
    });
  });
});
