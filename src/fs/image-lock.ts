/**
 * The image lock: flock(2) on the image file itself. Every name that reaches the file (a hard link,
 * a symlink, a bind mount, /proc/PID/fd/N, another container sharing the volume) meets the same lock,
 * and the kernel drops it when the holder's last descriptor closes, also when the holder is killed
 * with SIGKILL: there is no lock file and no stale lock to guess about.
 *
 * Node has no flock(2). util-linux's flock(1) is handed our open file description as its fd 3, locks
 * it and exits; a flock(2) lock belongs to the open file description, not to the process that asked,
 * so it stays ours for as long as we keep the descriptor open (libuv opens files close-on-exec, so no
 * other child of ours shares it).
 */
import { spawn } from 'node:child_process';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { ImageError } from './image-error.js';
import { commandOf, fdinfos, pids } from '../util/procfs.js';

/** The descriptor number flock(1) finds the image on. */
const LOCK_FD = 3;
/** flock(1)'s exit status when -n finds the lock taken. */
const FLOCK_CONFLICT = 1;
/** A holder's command line is named in messages, up to this many characters. */
const COMMAND_CHARS = 160;

/** Run flock(1) on the handle's open file description; true when the lock was taken. */
function flockNonBlocking(handle: FileHandle, imagePath: string, shared: boolean): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['--nonblock', shared ? '--shared' : '--exclusive', String(LOCK_FD)], {
      stdio: ['ignore', 'ignore', 'pipe', handle.fd],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'the flock command (util-linux) is not installed' : err.message;
      reject(new ImageError(`cannot lock ${imagePath}: ${why}`));
    });
    child.on('close', (code) => {
      if (code === 0 || code === FLOCK_CONFLICT) resolve(code === 0);
      else reject(new ImageError(`cannot lock ${imagePath}: flock exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/**
 * How /proc/locks and fdinfo name a file: "MAJOR:MINOR:INODE", the device numbers in at least two hex
 * digits (lock_get_status()). glibc's gnu_dev_major()/gnu_dev_minor() split st_dev.
 */
function lockedFileName(file: BigIntStats): string {
  const { dev, ino } = file;
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  const hex = (n: bigint): string => n.toString(16).padStart(2, '0');
  return `${hex(major)}:${hex(minor)}:${ino}`;
}

/**
 * Whether one of the process's descriptors holds a flock(2) lock on the file. fdinfo lists the locks
 * owned by each open file description (the pid in /proc/locks is only whoever called flock, here a
 * flock(1) long gone).
 */
async function holdsLock(pid: number, name: string): Promise<boolean> {
  return (await fdinfos(pid)).some(({ info }) =>
    info.split('\n').some((line) => line.startsWith('lock:') && line.includes(' FLOCK ') && line.includes(` ${name} `)));
}

/** The visible processes (this pid namespace) holding a flock(2) lock on the file, lowest pid first. */
async function lockHolders(file: BigIntStats): Promise<number[]> {
  const name = lockedFileName(file);
  const all = await pids();
  const held = await Promise.all(all.map((pid) => holdsLock(pid, name)));
  return all.filter((_, i) => held[i]);
}

/** "process 1234 (node main.js mount a.img /mnt -f)", or less when its command line is gone. */
async function describeProcess(pid: number): Promise<string> {
  const command = await commandOf(pid, COMMAND_CHARS);
  return command ? `process ${pid} (${command})` : `process ${pid}`;
}

async function openImage(imagePath: string): Promise<FileHandle> {
  return open(imagePath, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new ImageError(`cannot open ${imagePath}: ${err.message}`, err.code === 'ENOENT' ? 'ENOENT' : 'EIO');
  });
}

export interface LockOptions {
  /** A reader's lock (fsck): readers share it, and exclude the one writer. */
  shared?: boolean;
}

export class ImageLock {
  private released = false;

  private constructor(private readonly handle: FileHandle) {}

  /** The lowest pid of a visible process holding imagePath's lock, or null (not locked, or by a process not visible here). */
  static async holder(imagePath: string): Promise<number | null> {
    const file = await stat(imagePath, { bigint: true }).catch(() => null);
    return file ? ((await lockHolders(file))[0] ?? null) : null;
  }

  /**
   * Take the lock on imagePath's file, or fail with ImageError (EBUSY) naming the holder; a missing
   * file fails with ENOENT. Context: takes the image's flock(2) lock, exclusive unless options.shared.
   */
  static async acquire(imagePath: string, options: LockOptions = {}): Promise<ImageLock> {
    const handle = await openImage(imagePath);
    try {
      if (await flockNonBlocking(handle, imagePath, options.shared === true)) return new ImageLock(handle);
      const holders = await lockHolders(await handle.stat({ bigint: true }));
      const by = holders.length
        ? (await Promise.all(holders.map(describeProcess))).join(', ')
        : 'a process not visible here (another container or pid namespace?)';
      throw new ImageError(
        `${imagePath} is in use: locked by ${by}; an image is mounted, formatted or checked by one process at a time, whatever name reaches it`,
        'EBUSY',
      );
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Context: releases the image's lock (closes the open file description that holds it). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.handle.close();
  }
}
