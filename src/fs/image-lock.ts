/**
 * The image lock: IMAGE.lock, created with O_EXCL, holding the owner's pid and start time. Node has no
 * flock(2), and a lock file outlives a kill -9, so a lock whose process is no longer running is stale
 * and is taken over. The start time tells a reused pid from the owner: in a container the daemon is
 * always pid 1, and a restarted container's pid 1 is a different process.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { ImageError } from './image-error.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
async function startTime(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

async function livePidIn(path: string): Promise<number | null> {
  const [pidText, started] = (await readFile(path, 'utf8').catch(() => '')).trim().split(' ');
  const pid = Number.parseInt(pidText ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return null;
  return started === undefined || started === (await startTime(pid)) ? pid : null;
}

export class ImageLock {
  private constructor(readonly path: string) {}

  /** The pid of the running process that holds imagePath's lock, or null. */
  static holder(imagePath: string): Promise<number | null> {
    return livePidIn(`${imagePath}.lock`);
  }

  /** Take the lock for imagePath, or fail with ImageError (EBUSY) naming the holder. Context: takes IMAGE.lock. */
  static async acquire(imagePath: string): Promise<ImageLock> {
    const path = `${imagePath}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, 'wx', 0o644);
        await handle.writeFile(`${process.pid} ${await startTime(process.pid)}\n`);
        await handle.close();
        return new ImageLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = await livePidIn(path);
      if (pid !== null) {
        throw new ImageError(`${imagePath} is in use (mounted by process ${pid}; lock file ${path})`, 'EBUSY');
      }
      await unlink(path).catch(() => undefined);
    }
    throw new ImageError(`${imagePath}: could not take the lock file ${path}`, 'EBUSY');
  }

  /** Context: releases IMAGE.lock. */
  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}
