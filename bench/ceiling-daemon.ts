/**
 * The ceiling: a minimal in-memory FUSE daemon mounted with exactly coherefs's options. It does no
 * work per request beyond a copy, so benchmarks against it show what fuse-native itself allows.
 * One flat directory of regular files (enough for fio and dd). Handles are keyed by fd, not path.
 *
 * Usage: node dist/bench/ceiling-daemon.js MOUNTPOINT   (SIGINT/SIGTERM unmount and exit;
 * so does an unmount from outside)
 */
import Fuse from 'fuse-native';
import type { FuseOperations, FuseStat } from 'fuse-native';
import { mountFuse } from '../src/fuse/api.js';
import { MemoryFile } from './memory-file.js';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

function ceilingOperations(): FuseOperations {
  const files = new Map<string, MemoryFile>();
  const handles = new Map<number, MemoryFile>();
  let nextFd = 1;
  const started = new Date();
  const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const stat = (mode: number, size: number): FuseStat => ({
    mode, size, ...owner, nlink: 1, blksize: 4096, blocks: Math.ceil(size / 512),
    atime: started, mtime: started, ctime: started,
  });
  const named = (path: string): MemoryFile | undefined => files.get(path);

  return {
    getattr(path, cb) {
      if (path === '/') return cb(0, stat(S_IFDIR | 0o755, 4096));
      const file = named(path);
      return file ? cb(0, stat(S_IFREG | 0o644, file.size)) : cb(Fuse.ENOENT);
    },
    readdir(_path, cb) {
      cb(0, ['.', '..', ...[...files.keys()].map((name) => name.slice(1))]);
    },
    mknod(path, mode, _dev, cb) {
      if ((mode & S_IFREG) === 0) return cb(Fuse.EPERM);
      if (files.has(path)) return cb(Fuse.EEXIST);
      files.set(path, new MemoryFile());
      cb(0);
    },
    open(path, _flags, cb) {
      const file = named(path);
      if (!file) return cb(Fuse.ENOENT);
      const fd = nextFd++;
      handles.set(fd, file);
      cb(0, fd);
    },
    release(_path, fd, cb) {
      handles.delete(fd);
      cb(0);
    },
    read(_path, fd, buf, len, pos, cb) {
      const file = handles.get(fd);
      cb(file ? file.read(buf, len, pos) : Fuse.EBADF);
    },
    write(_path, fd, buf, len, pos, cb) {
      const file = handles.get(fd);
      cb(file ? file.write(buf, len, pos) : Fuse.EBADF);
    },
    truncate(path, size, cb) {
      const file = named(path);
      if (!file) return cb(Fuse.ENOENT);
      file.truncate(size);
      cb(0);
    },
    ftruncate(_path, fd, size, cb) {
      const file = handles.get(fd);
      if (!file) return cb(Fuse.EBADF);
      file.truncate(size);
      cb(0);
    },
    unlink(path, cb) {
      if (!files.delete(path)) return cb(Fuse.ENOENT);
      cb(0);
    },
    fsync(_path, _datasync, _fd, cb) {
      cb(0);
    },
    flush(_path, _fd, cb) {
      cb(0);
    },
    utimens(_path, _atime, _mtime, cb) {
      cb(0);
    },
    chmod(_path, _mode, cb) {
      cb(0);
    },
  };
}

async function main(): Promise<void> {
  const [mountpoint, ...rest] = process.argv.slice(2);
  if (!mountpoint || rest.length > 0) {
    process.stderr.write('usage: ceiling-daemon MOUNTPOINT\n');
    process.exit(2);
  }
  const session = await mountFuse(mountpoint, ceilingOperations(), { fsname: 'coherefs-ceiling' });
  process.stderr.write(`ceiling daemon: mounted on ${session.mountpoint} (pid ${process.pid})\n`);
  // However the mount goes (umount or fusermount -u from outside, or the signal below), the daemon
  // goes with it, once nothing is open on it any more.
  void session.ended.then(() => process.exit(0));
  const stop = (): void => {
    session.unmount().catch(() => session.detach()).catch((err: Error) => {
      process.stderr.write(`ceiling daemon: unmount failed: ${err.message}\n`);
      process.exit(1);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
