/**
 * The image lock: IMAGE.lock next to the image's real path (a symlink to the image locks the same
 * file), holding the owner's pid and start time. It is written in full under a private name and
 * then linked into place, so nobody ever sees it empty (an empty lock read as stale let two
 * processes both take it). Node has no flock(2), and a lock file outlives a kill -9, so a lock whose
 * process is no longer running is stale and is taken over. The start time tells a reused pid from
 * the owner: in a container the daemon is always pid 1, and a restarted container's pid 1 is a
 * different process.
 */
import { link, readFile, realpath, unlink, writeFile } from 'node:fs/promises';
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

/** Drafts made by this process, so that concurrent acquires never share one. */
let drafts = 0;

/** The lock file of an image: next to its real path, so every name of the image shares one lock. */
async function lockPath(imagePath: string): Promise<string> {
  return `${await realpath(imagePath).catch(() => imagePath)}.lock`;
}

export class ImageLock {
  private constructor(readonly path: string) {}

  /** The pid of the running process that holds imagePath's lock, or null. */
  static async holder(imagePath: string): Promise<number | null> {
    return livePidIn(await lockPath(imagePath));
  }

  /** Take the lock for imagePath, or fail with ImageError (EBUSY) naming the holder. Context: takes IMAGE.lock. */
  static async acquire(imagePath: string): Promise<ImageLock> {
    const path = await lockPath(imagePath);
    const draft = `${path}.${process.pid}.${++drafts}`;
    await writeFile(draft, `${process.pid} ${await startTime(process.pid)}\n`, { mode: 0o644 });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await link(draft, path); // atomic, and fails if a lock is there
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
    } finally {
      await unlink(draft).catch(() => undefined);
    }
    throw new ImageError(`${imagePath}: could not take the lock file ${path}`, 'EBUSY');
  }

  /** Context: releases IMAGE.lock. */
  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}
