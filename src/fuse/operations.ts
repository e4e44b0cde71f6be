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

/** What an answer's debug line shows: a directory listing by its length, anything else as it is. */
function summarize(value: unknown): unknown {
  return Array.isArray(value) ? { entries: value.length } : value;
}

export function fuseOperations(vfs: Vfs, log: Logger): FuseOperations {
  // -d: a line for each request and one for its answer, paired by `unique` (as libfuse's own trace
  // pairs them); checked once, since the level is fixed for the daemon's life.
  const tracing = log.isLevelEnabled('debug');
  let unique = 0;

  /**
   * Run `work`, answer with its value, or with -errno; `request` holds the arguments, for the log.
   * Context: one FUSE request.
   */
  function reply<T>(op: string, request: Record<string, unknown>, answer: (err: number, value?: T) => void, work: () => T | Promise<T>): void {
    const id = tracing ? ++unique : 0;
    if (tracing) log.debug({ unique: id, op, ...request }, 'request');
    Promise.resolve()
      .then(work)
      .then(
        (value) => {
          if (tracing) log.debug({ unique: id, op, result: summarize(value) }, 'reply');
          answer(0, value);
        },
        (err: unknown) => {
          if (!(err instanceof FsError)) log.error({ err, op, ...request }, 'internal error in a FUSE operation');
          else if (tracing) log.debug({ unique: id, op, error: err.code }, `reply: ${err.message}`);
          answer(-errnoOf(err));
        },
      );
  }

  /** read and write reply with the byte count in the error position (fuse-native's convention). */
  function replyBytes(op: string, request: Record<string, unknown>, answer: (bytes: number) => void, work: () => Promise<number>): void {
    reply<number>(op, request, (err, bytes) => answer(err < 0 ? err : (bytes ?? 0)), work);
  }

  return {
    init: (cb) => cb(0),
    getattr: (path, cb) => reply('getattr', { path }, cb, () => toStat(vfs.getattr(path))),
    statfs: (path, cb) =>
      reply('statfs', { path }, cb, () => {
        const s = vfs.statfs();
        return { ...s, favail: s.ffree, fsid: 0, flag: 0 };
      }),
    access: (path, mode, cb) => reply('access', { path, mode }, cb, () => void vfs.getattr(path)),
    readdir: (path, cb) =>
      reply<string[]>('readdir', { path }, (err, names) => cb(err, names), () => ['.', '..', ...vfs.readdir(path).map((e) => e.name)]),
    open: (path, flags, cb) => reply('open', { path, flags }, cb, () => vfs.open(path, flags)),
    release: (path, fh, cb) => reply('release', { path, fh }, cb, () => vfs.release(fh)),
    read: (path, fh, buf, len, pos, cb) => replyBytes('read', { path, fh, pos, len }, cb, () => vfs.read(fh, pos, buf.subarray(0, len))),
    write: (path, fh, buf, len, pos, cb) => replyBytes('write', { path, fh, pos, len }, cb, () => vfs.write(fh, pos, buf.subarray(0, len))),
    flush: (path, fh, cb) => reply('flush', { path, fh }, cb, () => vfs.flush(fh)),
    fsync: (path, datasync, fh, cb) => reply('fsync', { path, fh, datasync }, cb, () => vfs.fsync(fh)),
    fsyncdir: (path, _datasync, _fh, cb) => reply('fsyncdir', { path }, cb, () => vfs.syncAll()),
    mknod: (path, mode, _dev, cb) => reply('mknod', { path, mode }, cb, () => vfs.mknod(path, mode)),
    mkdir: (path, mode, cb) => reply('mkdir', { path, mode }, cb, () => vfs.mkdir(path, mode)),
    unlink: (path, cb) => reply('unlink', { path }, cb, () => vfs.unlink(path)),
    rmdir: (path, cb) => reply('rmdir', { path }, cb, () => vfs.rmdir(path)),
    rename: (from, to, cb) => reply('rename', { from, to }, cb, () => vfs.rename(from, to)),
    link: (from, to, cb) => reply('link', { from, to }, cb, () => vfs.link(from, to)),
    symlink: (target, path, cb) => reply('symlink', { target, path }, cb, () => vfs.symlink(target, path)),
    readlink: (path, cb) => reply('readlink', { path }, cb, () => vfs.readlink(path)),
    truncate: (path, size, cb) => reply('truncate', { path, size }, cb, () => vfs.truncate(path, size)),
    ftruncate: (path, fh, size, cb) => reply('ftruncate', { path, fh, size }, cb, () => vfs.ftruncate(fh, size)),
    chmod: (path, mode, cb) => reply('chmod', { path, mode }, cb, () => vfs.chmod(path, mode)),
    chown: (path, uid, gid, cb) => reply('chown', { path, uid, gid }, cb, () => vfs.chown(path, uid, gid)),
    utimens: (path, atime, mtime, cb) => reply('utimens', { path, atime, mtime }, cb, () => vfs.utimens(path, nsFromMs(atime), nsFromMs(mtime))),
  };
}
