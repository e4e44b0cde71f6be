/**
 * Decoding one request as read from /dev/fuse: the header, then the body its opcode defines
 * (structs, NUL-terminated names, write data). Knows nothing of the Vfs (DESIGN.md §8), so a worker
 * thread may decode too. Bytes are not copied: names are decoded, write data is a view.
 */
import { viewOf, type Layout, type ValueOf as Out } from './layout.js';
import { Opcode } from './opcodes.js';
import * as S from './structs.js';

export type { InHeader } from './structs.js';

/** A request's body by opcode; opcodes coherefs does not serve decode to `unknown`. */
export type RequestBody =
  | { op: 'init'; arg: Out<typeof S.initIn> }
  | { op: 'destroy' }
  | { op: 'lookup'; name: string }
  | { op: 'forget'; arg: Out<typeof S.forgetIn> }
  | { op: 'batchForget'; forgets: Out<typeof S.forgetOne>[] }
  | { op: 'getattr'; arg: Out<typeof S.getattrIn> }
  | { op: 'setattr'; arg: Out<typeof S.setattrIn> }
  | { op: 'readlink' }
  | { op: 'symlink'; name: string; target: string }
  | { op: 'mknod'; arg: Out<typeof S.mknodIn>; name: string }
  | { op: 'mkdir'; arg: Out<typeof S.mkdirIn>; name: string }
  | { op: 'unlink'; name: string }
  | { op: 'rmdir'; name: string }
  | { op: 'rename'; newdir: number; flags: number; oldName: string; newName: string }
  | { op: 'link'; arg: Out<typeof S.linkIn>; name: string }
  | { op: 'open'; arg: Out<typeof S.openIn> }
  | { op: 'create'; arg: Out<typeof S.createIn>; name: string }
  | { op: 'read'; arg: Out<typeof S.readIn> }
  | { op: 'write'; arg: Out<typeof S.writeIn>; data: Uint8Array }
  | { op: 'statfs' }
  | { op: 'flush'; arg: Out<typeof S.flushIn> }
  | { op: 'release'; arg: Out<typeof S.releaseIn> }
  | { op: 'fsync'; arg: Out<typeof S.fsyncIn> }
  | { op: 'opendir'; arg: Out<typeof S.openIn> }
  | { op: 'readdir'; arg: Out<typeof S.readIn>; plus: boolean }
  | { op: 'releasedir'; arg: Out<typeof S.releaseIn> }
  | { op: 'fsyncdir'; arg: Out<typeof S.fsyncIn> }
  | { op: 'access'; arg: Out<typeof S.accessIn> }
  | { op: 'interrupt'; arg: Out<typeof S.interruptIn> }
  | { op: 'fallocate'; arg: Out<typeof S.fallocateIn> }
  | { op: 'lseek'; arg: Out<typeof S.lseekIn> }
  /** LISTXATTR: `arg.size` 0 asks for the length of the list only. */
  | { op: 'listxattr'; arg: Out<typeof S.getxattrIn> }
  /** GETXATTR, SETXATTR, REMOVEXATTR: not served (see the bridge); the body is not needed. */
  | { op: 'xattrUnsupported' }
  /** `wide`: COPY_FILE_RANGE_64, whose reply counts bytes in 64 bits. */
  | { op: 'copyFileRange'; arg: Out<typeof S.copyFileRangeIn>; wide: boolean }
  | { op: 'unknown' };

export type FuseRequest = RequestBody & { header: S.InHeader };

/** Reads a body from left to right; every read checks the request is long enough (EINVAL-like). */
class BodyReader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array, private readonly view: DataView) {}

  struct<T>(layout: Layout<T>): T {
    this.need(layout.size);
    const value = layout.read(this.view, this.at);
    this.at += layout.size;
    return value;
  }

  /** A NUL-terminated name (UTF-8, as the libfuse transport hands names over). */
  name(): string {
    const end = this.bytes.indexOf(0, this.at);
    if (end < 0) throw new RangeError('a name in a FUSE request is not NUL-terminated');
    const name = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, end - this.at).toString('utf8');
    this.at = end + 1;
    return name;
  }

  bytesOf(length: number): Uint8Array {
    this.need(length);
    const slice = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return slice;
  }

  private need(length: number): void {
    if (this.at + length > this.bytes.length) throw new RangeError('a FUSE request is shorter than its opcode needs');
  }
}

function decodeBody(opcode: number, body: BodyReader): RequestBody {
  switch (opcode) {
    case Opcode.INIT: return { op: 'init', arg: body.struct(S.initIn) };
    case Opcode.DESTROY: return { op: 'destroy' };
    case Opcode.LOOKUP: return { op: 'lookup', name: body.name() };
    case Opcode.FORGET: return { op: 'forget', arg: body.struct(S.forgetIn) };
    case Opcode.BATCH_FORGET: {
      const { count } = body.struct(S.batchForgetIn);
      return { op: 'batchForget', forgets: Array.from({ length: count }, () => body.struct(S.forgetOne)) };
    }
    case Opcode.GETATTR: return { op: 'getattr', arg: body.struct(S.getattrIn) };
    case Opcode.SETATTR: return { op: 'setattr', arg: body.struct(S.setattrIn) };
    case Opcode.READLINK: return { op: 'readlink' };
    case Opcode.SYMLINK: {
      const name = body.name();
      return { op: 'symlink', name, target: body.name() };
    }
    case Opcode.MKNOD: return { op: 'mknod', arg: body.struct(S.mknodIn), name: body.name() };
    case Opcode.MKDIR: return { op: 'mkdir', arg: body.struct(S.mkdirIn), name: body.name() };
    case Opcode.UNLINK: return { op: 'unlink', name: body.name() };
    case Opcode.RMDIR: return { op: 'rmdir', name: body.name() };
    case Opcode.RENAME: {
      const { newdir } = body.struct(S.renameIn);
      return { op: 'rename', newdir, flags: 0, oldName: body.name(), newName: body.name() };
    }
    case Opcode.RENAME2: {
      const { newdir, flags } = body.struct(S.rename2In);
      return { op: 'rename', newdir, flags, oldName: body.name(), newName: body.name() };
    }
    case Opcode.LINK: return { op: 'link', arg: body.struct(S.linkIn), name: body.name() };
    case Opcode.OPEN: return { op: 'open', arg: body.struct(S.openIn) };
    case Opcode.CREATE: return { op: 'create', arg: body.struct(S.createIn), name: body.name() };
    case Opcode.READ: return { op: 'read', arg: body.struct(S.readIn) };
    case Opcode.WRITE: {
      const arg = body.struct(S.writeIn);
      return { op: 'write', arg, data: body.bytesOf(arg.size) };
    }
    case Opcode.STATFS: return { op: 'statfs' };
    case Opcode.FLUSH: return { op: 'flush', arg: body.struct(S.flushIn) };
    case Opcode.RELEASE: return { op: 'release', arg: body.struct(S.releaseIn) };
    case Opcode.FSYNC: return { op: 'fsync', arg: body.struct(S.fsyncIn) };
    case Opcode.OPENDIR: return { op: 'opendir', arg: body.struct(S.openIn) };
    case Opcode.READDIR: return { op: 'readdir', arg: body.struct(S.readIn), plus: false };
    case Opcode.READDIRPLUS: return { op: 'readdir', arg: body.struct(S.readIn), plus: true };
    case Opcode.RELEASEDIR: return { op: 'releasedir', arg: body.struct(S.releaseIn) };
    case Opcode.FSYNCDIR: return { op: 'fsyncdir', arg: body.struct(S.fsyncIn) };
    case Opcode.ACCESS: return { op: 'access', arg: body.struct(S.accessIn) };
    case Opcode.INTERRUPT: return { op: 'interrupt', arg: body.struct(S.interruptIn) };
    case Opcode.FALLOCATE: return { op: 'fallocate', arg: body.struct(S.fallocateIn) };
    case Opcode.LSEEK: return { op: 'lseek', arg: body.struct(S.lseekIn) };
    case Opcode.LISTXATTR: return { op: 'listxattr', arg: body.struct(S.getxattrIn) };
    case Opcode.GETXATTR: case Opcode.SETXATTR: case Opcode.REMOVEXATTR: return { op: 'xattrUnsupported' };
    case Opcode.COPY_FILE_RANGE: return { op: 'copyFileRange', arg: body.struct(S.copyFileRangeIn), wide: false };
    case Opcode.COPY_FILE_RANGE_64: return { op: 'copyFileRange', arg: body.struct(S.copyFileRangeIn), wide: true };
    default: return { op: 'unknown' };
  }
}

/** Decode one whole request (what one read of /dev/fuse returned). Throws RangeError on a short one. */
export function decodeRequest(bytes: Uint8Array): FuseRequest {
  const view = viewOf(bytes);
  if (bytes.length < S.inHeader.size) throw new RangeError(`a FUSE request of ${bytes.length} bytes has no header`);
  const header = S.inHeader.read(view, 0);
  if (header.len !== bytes.length) throw new RangeError(`a FUSE request says ${header.len} bytes but ${bytes.length} arrived`);
  const body = new BodyReader(bytes.subarray(0, header.len - header.totalExtlen * 8), view);
  body.bytesOf(S.inHeader.size);
  return { ...decodeBody(header.opcode, body), header };
}
