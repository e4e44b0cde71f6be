/** Requests decode by opcode (names, write data, RENAME2 flags, BATCH_FORGET records); bad lengths are refused. */
import { describe, expect, it } from 'vitest';
import { packDirents } from '../../../src/fuse/kernel/dirents.js';
import { viewOf } from '../../../src/fuse/kernel/layout.js';
import { Opcode } from '../../../src/fuse/kernel/opcodes.js';
import { decodeRequest } from '../../../src/fuse/kernel/request.js';
import * as S from '../../../src/fuse/kernel/structs.js';
import { REQUEST_NODEID, REQUEST_UNIQUE, requestBytes as request } from './request-bytes.js';

function struct<T>(layout: { size: number; write(view: DataView, at: number, value: T): void }, value: T): Uint8Array {
  const bytes = new Uint8Array(layout.size);
  layout.write(viewOf(bytes), 0, value);
  return bytes;
}

const name = (text: string): Uint8Array => Buffer.from(`${text}\0`);

describe('FUSE request decoding', () => {
  it('keeps the header, unique byte for byte', () => {
    const decoded = decodeRequest(request(Opcode.GETATTR, struct(S.getattrIn, { getattrFlags: 0, fh: 0 })));
    expect(decoded.header).toMatchObject({ opcode: Opcode.GETATTR, unique: REQUEST_UNIQUE, nodeid: REQUEST_NODEID, uid: 1, gid: 2, pid: 3 });
    expect(decoded.op).toBe('getattr');
  });

  it('decodes names, RENAME2 flags and both symlink strings', () => {
    expect(decodeRequest(request(Opcode.RENAME2, struct(S.rename2In, { newdir: 9, flags: 2 }), name('old'), name('néw')))).toMatchObject({
      op: 'rename', newdir: 9, flags: 2, oldName: 'old', newName: 'néw',
    });
    expect(decodeRequest(request(Opcode.RENAME, struct(S.renameIn, { newdir: 1 }), name('a'), name('b')))).toMatchObject({ op: 'rename', flags: 0 });
    expect(decodeRequest(request(Opcode.SYMLINK, name('link'), name('../target')))).toMatchObject({ op: 'symlink', name: 'link', target: '../target' });
  });

  it('gives write data as a view of the request, and BATCH_FORGET as its records', () => {
    const data = Buffer.from('payload');
    const write = decodeRequest(request(Opcode.WRITE, struct(S.writeIn, { fh: 4, offset: 2 ** 40, size: data.length, writeFlags: 1, lockOwner: 0n, flags: 0o140002 }), data));
    expect(write.op === 'write' && Buffer.from(write.data).toString()).toBe('payload');
    const forgets = decodeRequest(request(Opcode.BATCH_FORGET, struct(S.batchForgetIn, { count: 2 }),
      struct(S.forgetOne, { nodeid: 5, nlookup: 3 }), struct(S.forgetOne, { nodeid: 6, nlookup: 1 })));
    expect(forgets).toMatchObject({ op: 'batchForget', forgets: [{ nodeid: 5, nlookup: 3 }, { nodeid: 6, nlookup: 1 }] });
  });

  it('decodes an opcode it does not serve as unknown', () => {
    expect(decodeRequest(request(Opcode.STATX)).op).toBe('unknown');
    expect(decodeRequest(request(200)).op).toBe('unknown');
  });

  it('refuses a request shorter than its header says or than its opcode needs, and a name without NUL', () => {
    const whole = request(Opcode.LOOKUP, name('x'));
    expect(() => decodeRequest(whole.subarray(0, whole.length - 1))).toThrow(RangeError);
    expect(() => decodeRequest(request(Opcode.READ, new Uint8Array(8)))).toThrow(/shorter/);
    expect(() => decodeRequest(request(Opcode.LOOKUP, Buffer.from('x')))).toThrow(/NUL/);
  });
});

describe('READDIR packing', () => {
  const entries = ['.', '..', 'a', 'longer-name'].map((entryName, i) => ({ ino: i + 1, name: entryName, type: 4 }));

  it('pads each dirent to 8 bytes and points each at the next', () => {
    const packed = packDirents(entries, 0, 4096);
    expect(packed.length).toBe(24 + 8 + (24 + 8) + (24 + 8) + (24 + 16));
    const view = viewOf(packed);
    expect(S.dirent.read(view, 0)).toEqual({ ino: 1, off: 1, namelen: 1, type: 4 });
    expect(S.dirent.read(view, 96)).toEqual({ ino: 4, off: 4, namelen: 11, type: 4 });
    expect(Buffer.from(packed.subarray(120, 131)).toString()).toBe('longer-name');
  });

  it('stops before the entry that would overflow, and continues from an offset', () => {
    expect(packDirents(entries, 0, 70).length).toBe(64);
    expect(S.dirent.read(viewOf(packDirents(entries, 2, 4096)), 0).ino).toBe(3);
    expect(packDirents(entries, 4, 4096).length).toBe(0);
  });
});
