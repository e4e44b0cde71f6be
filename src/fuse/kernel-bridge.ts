/**
 * The kernel transport's bridge: each FUSE request, decoded (kernel/request.ts), becomes a Vfs call
 * by inode number, and its result or FsError becomes the reply (kernel/reply.ts). Node ids are inode
 * numbers (the root is 1 in both); every entry reply is a lookup the kernel later FORGETs. New nodes
 * belong to the task in the request header. Regular files open with FOPEN_DIRECT_IO: the daemon's
 * page cache is the cache, so every read and write reaches it. Nothing throws out of handle():
 * FsErrors become their errno, anything else is logged and answered with EIO.
 */
import { constants } from 'node:fs';
import { constants as os } from 'node:os';
import type { Attr } from '../fs/api.js';
import { O_DIRECT, onBehalfOf, type Caller, type Vfs } from '../vfs/api.js';
import { FsError, errnoOf } from '../util/errno.js';
import { ATTR_VALID_S, NO_ATTR, entryOf, fuseAttr, setattrChanges } from './kernel-attrs.js';
import type { Logger } from '../util/logger.js';
import { packDirents, type DirentRecord } from './kernel/dirents.js';
import { Fopen, FUSE_OPEN_KILL_SUIDGID, WriteFlag } from './kernel/flags.js';
import { negotiateInit, type InitOut } from './kernel/init.js';
import type { KernelPageCache } from './kernel/kernel-page-cache.js';
import { opcodeName } from './kernel/opcodes.js';
import { decodeRequest, type FuseRequest, type InHeader } from './kernel/request.js';
import { ReadBuffers } from './kernel/read-buffers.js';
import { dataReply, emptyReply, errorReply, structReply, type Reply } from './kernel/reply.js';
import * as S from './kernel/structs.js';

const { S_IFMT } = constants;
const ENOSYS = os.errno.ENOSYS;

/** A request as a debug line: its header (the caller as callerPid: pid is the logger's own), its arguments, write data by its length, ids as strings. */
function traceOf(request: FuseRequest): Record<string, unknown> {
  const { header } = request;
  const line: Record<string, unknown> = {
    unique: String(header.unique), op: opcodeName(header.opcode), nodeid: header.nodeid, uid: header.uid, gid: header.gid, callerPid: header.pid,
  };
  for (const [key, value] of Object.entries(request)) {
    if (key !== 'header' && key !== 'op') line[key] = value instanceof Uint8Array ? { bytes: value.length } : value;
  }
  return JSON.parse(JSON.stringify(line, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))) as Record<string, unknown>;
}

/**
 * Every file is FOPEN_DIRECT_IO (our cache is the cache). O_DIRECT ones may also write in parallel:
 * the kernel then serializes only appends, writes past EOF and files with shared maps
 * (fuse_dio_wr_exclusive_lock()), and concurrent overwrites meet in the block side, as in bcachefs.
 */
function openReplyFlags(openFlags: number): number {
  return openFlags & O_DIRECT ? Fopen.DIRECT_IO | Fopen.PARALLEL_DIRECT_WRITES : Fopen.DIRECT_IO;
}

function callerOf(header: InHeader): Caller {
  return { uid: header.uid, gid: header.gid, pid: header.pid };
}

export interface KernelBridgeEvents {
  /** INIT was answered (with what was granted) or refused (the mount cannot be served). */
  onInit(result: InitOut | Error): void;
}

export class KernelBridge {
  /** OPENDIR snapshots: a directory read in several READDIRs sees one listing. */
  private readonly dirs = new Map<number, DirentRecord[]>();
  private nextDirFh = 1;
  /** Requests being served, by unique: INTERRUPT names one of them. */
  private readonly inFlight = new Set<bigint>();
  private readonly readBuffers = new ReadBuffers();
  /** -d: a line for each request and one for its reply, paired by `unique`; the level is fixed for the daemon's life. */
  private readonly tracing: boolean;

  constructor(
    private readonly vfs: Vfs,
    private readonly log: Logger,
    private readonly send: (reply: Reply) => void,
    private readonly events: KernelBridgeEvents,
    /** Keeps the kernel's cache of mmapped pages coherent with direct writes; none in tests that do not map. */
    private readonly kernelPages?: KernelPageCache,
  ) {
    this.tracing = log.isLevelEnabled('debug');
  }

  /**
   * Serve one request as read from /dev/fuse; the reply (if the opcode has one) goes to `send`.
   * Resolves (never rejects) once the request is served: `bytes` may then be reused.
   */
  handle(bytes: Uint8Array): Promise<void> {
    let request: FuseRequest;
    try {
      request = decodeRequest(bytes);
    } catch (err) {
      this.log.error({ err }, 'undecodable FUSE request');
      if (bytes.length >= S.inHeader.size) this.send(errorReply(S.inHeader.read(new DataView(bytes.buffer, bytes.byteOffset), 0).unique, os.errno.EINVAL));
      return Promise.resolve();
    }
    const { unique } = request.header;
    const op = opcodeName(request.header.opcode);
    if (this.tracing) this.log.debug(traceOf(request), 'request');
    this.inFlight.add(unique);
    return Promise.resolve()
      .then(() => onBehalfOf(request.header.pid, () => this.serve(request)))
      .then(
        (reply) => {
          if (this.tracing) this.log.debug({ unique: String(unique), op, bytes: reply?.reduce((sum, part) => sum + part.length, 0) ?? 'none' }, 'reply');
          if (reply) this.send(reply);
        },
        (err: unknown) => {
          if (!(err instanceof FsError)) this.log.error({ err, op }, 'internal error in a FUSE request');
          else if (this.tracing) this.log.debug({ unique: String(unique), op, error: err.code }, `reply: ${err.message}`);
          // FORGET and BATCH_FORGET must never be answered, not even with an error.
          if (request.op !== 'forget' && request.op !== 'batchForget') this.send(errorReply(unique, errnoOf(err)));
        },
      )
      .finally(() => {
        this.inFlight.delete(unique);
        this.readBuffers.giveBack(unique);
      })
      .catch((err: unknown) => this.log.error({ err }, 'a FUSE reply could not be sent'));
  }

  /** The reply to `request`, or null for the opcodes that get none (FORGET, BATCH_FORGET, INTERRUPT). */
  private async serve(request: FuseRequest): Promise<Reply | null> {
    const { header } = request;
    const { unique, nodeid: ino } = header;
    const vfs = this.vfs;
    const entry = (attr: Attr): Reply => {
      vfs.holdNode(attr.ino);
      return structReply(unique, [S.entryOut, entryOf(attr)]);
    };
    const attrReply = (attr: Attr): Reply => structReply(unique, [S.attrOut, { attrValid: ATTR_VALID_S, attrValidNsec: 0, attr: fuseAttr(attr) }]);
    const openReply = (fh: number, flags: number): S.OpenOut => ({ fh, openFlags: openReplyFlags(flags) });
    switch (request.op) {
      case 'init':
        return this.init(unique, request.arg);
      case 'destroy':
        return emptyReply(unique);
      case 'lookup':
        return entry(vfs.lookup(ino, request.name));
      case 'forget':
        await this.forget(ino, request.arg.nlookup);
        return null;
      case 'batchForget':
        await Promise.all(request.forgets.map((one) => this.forget(one.nodeid, one.nlookup)));
        return null;
      case 'interrupt':
        // Every Vfs call runs to completion, so the interrupted request is answered normally.
        this.log.debug({ unique: request.arg.unique, known: this.inFlight.has(request.arg.unique) }, 'INTERRUPT: the request completes');
        return null;
      case 'getattr':
        return attrReply(vfs.getattr(ino));
      case 'setattr':
        return attrReply(await vfs.setattr(ino, setattrChanges(request.arg)));
      case 'readlink':
        return dataReply(unique, Buffer.from(vfs.readlink(ino), 'utf8'));
      case 'symlink':
        return entry(vfs.symlinkat(request.target, ino, request.name, callerOf(header)));
      case 'mknod':
        return entry(vfs.mknodat(ino, request.name, request.arg.mode, callerOf(header), request.arg.rdev));
      case 'mkdir':
        return entry(vfs.mkdirat(ino, request.name, request.arg.mode, callerOf(header)));
      case 'unlink':
        await vfs.unlinkat(ino, request.name);
        return emptyReply(unique);
      case 'rmdir':
        vfs.rmdirat(ino, request.name);
        return emptyReply(unique);
      case 'rename':
        await vfs.renameat(ino, request.oldName, request.newdir, request.newName, request.flags);
        return emptyReply(unique);
      case 'link':
        return entry(vfs.linkat(request.arg.oldnodeid, ino, request.name));
      case 'open': {
        if (request.arg.openFlags & FUSE_OPEN_KILL_SUIDGID) await vfs.removePrivs(ino);
        return structReply(unique, [S.openOut, openReply(vfs.open(ino, request.arg.flags), request.arg.flags)]);
      }
      case 'create': {
        const { arg, name } = request;
        const { attr, fh } = vfs.createat(ino, name, arg.mode, arg.flags, callerOf(header));
        vfs.holdNode(attr.ino);
        return structReply(unique, [S.entryOut, entryOf(attr)], [S.openOut, openReply(fh, arg.flags)]);
      }
      case 'read': {
        this.kernelPages?.readReceived(ino, request.arg);
        const data = this.readBuffers.lend(unique, request.arg.size);
        const bytes = await vfs.read(request.arg.fh, request.arg.offset, data);
        return dataReply(unique, data.subarray(0, bytes));
      }
      case 'write': {
        const { arg, data } = request;
        if (arg.writeFlags & WriteFlag.KILL_SUIDGID) await vfs.removePrivs(vfs.inodeOf(arg.fh));
        const fromKernelCache = (arg.writeFlags & WriteFlag.CACHE) !== 0;
        const size = await vfs.write(arg.fh, arg.offset, data, fromKernelCache);
        if (!fromKernelCache) await this.kernelPages?.afterStoreWrite(ino, arg.offset, size);
        return structReply(unique, [S.writeOut, { size }]);
      }
      case 'statfs': {
        const s = vfs.statfs();
        return structReply(unique, [S.kstatfs, {
          blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree, bsize: s.bsize, namelen: s.namemax, frsize: s.frsize,
        }]);
      }
      case 'flush':
        await vfs.flush(request.arg.fh);
        return emptyReply(unique);
      case 'release':
        await vfs.release(request.arg.fh);
        return emptyReply(unique);
      case 'fsync':
        await vfs.fsync(request.arg.fh);
        return emptyReply(unique);
      case 'opendir': {
        const fh = this.nextDirFh++;
        this.dirs.set(fh, vfs.dirEntries(ino).map((e) => ({ ino: e.ino, name: e.name, type: (e.mode & S_IFMT) >> 12 })));
        return structReply(unique, [S.openOut, { fh, openFlags: 0 }]);
      }
      case 'readdir': {
        const entries = this.dirs.get(request.arg.fh);
        if (!entries) throw new FsError('EBADF', `no open directory ${request.arg.fh}`);
        const plus = request.plus ? (e: DirentRecord) => this.direntEntry(e) : undefined;
        return dataReply(unique, packDirents(entries, request.arg.offset, request.arg.size, plus));
      }
      case 'releasedir':
        this.dirs.delete(request.arg.fh);
        return emptyReply(unique);
      case 'fsyncdir':
        await vfs.syncAll();
        return emptyReply(unique);
      case 'access':
        // default_permissions: the kernel checked the mode bits; the node only has to exist.
        vfs.getattr(ino);
        return emptyReply(unique);
      case 'fallocate': {
        const { fh, mode, offset, length } = request.arg;
        await vfs.fallocate(fh, mode, offset, length);
        return emptyReply(unique);
      }
      case 'lseek': {
        // fuse_lseek() asks without writing back the kernel's dirty pages: a file it may hold pages
        // of is answered as one without holes, so no data written through a shared map is skipped.
        const unseenData = this.kernelPages?.mayHoldPages(ino) ?? false;
        return structReply(unique, [S.lseekOut, { offset: vfs.lseek(request.arg.fh, request.arg.offset, request.arg.whence, unseenData) }]);
      }
      case 'listxattr':
        // No extended attributes are stored (the image has no room for them): every node lists
        // none, as the VFS answers for a filesystem without xattr handlers (vfs_listxattr).
        vfs.getattr(ino);
        return request.arg.size === 0 ? structReply(unique, [S.getxattrOut, { size: 0 }]) : dataReply(unique, new Uint8Array(0));
      case 'xattrUnsupported':
        // Deliberately ENOSYS, not EOPNOTSUPP: the kernel then answers EOPNOTSUPP itself for the
        // rest of the mount (fuse_getxattr() and its siblings set fc->no_getxattr etc.), which also
        // spares the security.capability GETXATTR it sends before a file's first write.
        return errorReply(unique, ENOSYS);
      case 'copyFileRange': {
        // The kernel wrote back and will drop its own cached pages (fuse_writeback_range, then
        // truncate_inode_pages_range): the daemon keeps its page cache coherent (mm/copy-range.ts).
        const { arg } = request;
        const size = await vfs.copyFileRange(arg.fhIn, arg.offIn, arg.fhOut, arg.offOut, arg.len, arg.flags, callerOf(header));
        return request.wide ? structReply(unique, [S.copyFileRangeOut, { bytesCopied: size }]) : structReply(unique, [S.writeOut, { size }]);
      }
      case 'unknown':
        this.log.debug({ op: opcodeName(header.opcode) }, 'not implemented: ENOSYS');
        return errorReply(unique, ENOSYS);
    }
  }

  /** FORGET of `nlookup` references; the kernel's last one means it evicted the inode, pages and all. */
  private async forget(ino: number, nlookup: number): Promise<void> {
    if (await this.vfs.forget(ino, nlookup)) this.kernelPages?.forgotten(ino);
  }

  /**
   * A READDIRPLUS entry: a lookup the kernel will FORGET, except for '.' and '..' (which it skips)
   * and names whose inode went since OPENDIR (node id 0: no lookup was done).
   */
  private direntEntry(entry: DirentRecord): S.EntryOut {
    const none: S.EntryOut = { ...entryOf(NO_ATTR), nodeid: 0 };
    if (entry.name === '.' || entry.name === '..') return none;
    let attr: Attr;
    try {
      attr = this.vfs.getattr(entry.ino);
    } catch (err) {
      if (err instanceof FsError && err.code === 'ENOENT') return none;
      throw err;
    }
    this.vfs.holdNode(attr.ino);
    return entryOf(attr);
  }

  private init(unique: bigint, offered: S.InitIn): Reply {
    try {
      const granted = negotiateInit(offered);
      this.events.onInit(granted);
      return structReply(unique, [S.initOut, granted]);
    } catch (err) {
      this.events.onInit(err as Error);
      return errorReply(unique, os.errno.EPROTO);
    }
  }
}
