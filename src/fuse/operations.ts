/**
 * The FUSE operations of a coherefs mount: each one turns a fuse-native callback into a Vfs call and
 * its result or FsError into the reply libfuse expects (0 / byte count, or a negative errno).
 * Nothing may throw across the binding: an exception there would kill the daemon, so every handler
 * runs inside `reply`, and anything that is not an FsError is logged and answered with EIO.
 */
import type Fuse from 'fuse-native';
import type { Attr } from '../fs/api.js';
import type { Vfs } from '../vfs/api.js';
import { FsError, errnoOf } from '../util/errno.js';
import { msFromNs, nsFromMs } from '../util/file-time.js';
import type { Logger } from '../util/logger.js';

type FuseOperations = Fuse.FuseOperations;
type FuseStat = Fuse.FuseStat;

/** fuse-native carries times as milliseconds both ways; the inode keeps nanoseconds. */
function toStat(attr: Attr): FuseStat {
  return {
    mode: attr.mode, uid: attr.uid, gid: attr.gid, size: attr.size, nlink: attr.nlink, ino: attr.ino,
    blksize: 4096, blocks: attr.blocks, atime: msFromNs(attr.atimeNs), mtime: msFromNs(attr.mtimeNs), ctime: msFromNs(attr.ctimeNs),
  };
}

export function fuseOperations(vfs: Vfs, log: Logger): FuseOperations {
  /** Run `work`, answer with its value, or with -errno; Context: one FUSE request. */
  function reply<T>(op: string, answer: (err: number, value?: T) => void, work: () => T | Promise<T>): void {
    Promise.resolve()
      .then(work)
      .then(
        (value) => answer(0, value),
        (err: unknown) => {
          if (!(err instanceof FsError)) log.error({ err, op }, 'internal error in a FUSE operation');
          else log.debug({ op, code: err.code }, err.message);
          answer(-errnoOf(err));
        },
      );
  }

  /** read and write reply with the byte count in the error position (fuse-native's convention). */
  function replyBytes(op: string, answer: (bytes: number) => void, work: () => Promise<number>): void {
    reply<number>(op, (err, bytes) => answer(err < 0 ? err : (bytes ?? 0)), work);
  }

  return {
    init: (cb) => cb(0),
    getattr: (path, cb) => reply('getattr', cb, () => toStat(vfs.getattr(path))),
    statfs: (_path, cb) =>
      reply('statfs', cb, () => {
        const s = vfs.statfs();
        return { ...s, favail: s.ffree, fsid: 0, flag: 0 };
      }),
    access: (path, _mode, cb) => reply('access', cb, () => void vfs.getattr(path)),
    readdir: (path, cb) =>
      reply<string[]>('readdir', (err, names) => cb(err, names), () => ['.', '..', ...vfs.readdir(path).map((e) => e.name)]),
    open: (path, flags, cb) => reply('open', cb, () => vfs.open(path, flags)),
    release: (_path, fh, cb) => reply('release', cb, () => vfs.release(fh)),
    read: (_path, fh, buf, len, pos, cb) => replyBytes('read', cb, () => vfs.read(fh, pos, buf.subarray(0, len))),
    write: (_path, fh, buf, len, pos, cb) => replyBytes('write', cb, () => vfs.write(fh, pos, buf.subarray(0, len))),
    flush: (_path, fh, cb) => reply('flush', cb, () => vfs.flush(fh)),
    fsync: (_path, _datasync, fh, cb) => reply('fsync', cb, () => vfs.fsync(fh)),
    fsyncdir: (_path, _datasync, _fh, cb) => reply('fsyncdir', cb, () => vfs.syncAll()),
    mknod: (path, mode, _dev, cb) => reply('mknod', cb, () => vfs.mknod(path, mode)),
    mkdir: (path, mode, cb) => reply('mkdir', cb, () => vfs.mkdir(path, mode)),
    unlink: (path, cb) => reply('unlink', cb, () => vfs.unlink(path)),
    rmdir: (path, cb) => reply('rmdir', cb, () => vfs.rmdir(path)),
    rename: (from, to, cb) => reply('rename', cb, () => vfs.rename(from, to)),
    link: (from, to, cb) => reply('link', cb, () => vfs.link(from, to)),
    symlink: (target, path, cb) => reply('symlink', cb, () => vfs.symlink(target, path)),
    readlink: (path, cb) => reply('readlink', cb, () => vfs.readlink(path)),
    truncate: (path, size, cb) => reply('truncate', cb, () => vfs.truncate(path, size)),
    ftruncate: (_path, fh, size, cb) => reply('ftruncate', cb, () => vfs.ftruncate(fh, size)),
    chmod: (path, mode, cb) => reply('chmod', cb, () => vfs.chmod(path, mode)),
    chown: (path, uid, gid, cb) => reply('chown', cb, () => vfs.chown(path, uid, gid)),
    utimens: (path, atime, mtime, cb) => reply('utimens', cb, () => vfs.utimens(path, nsFromMs(atime), nsFromMs(mtime))),
  };
}
