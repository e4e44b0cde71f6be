/**
 * The runtime directory holding the daemons' control sockets and logs (/run/coherefs, or
 * $COHEREFS_RUNTIME_DIR). Whoever can write there can put a socket of their own in a daemon's place
 * and answer `coherefs stats` and `coherefs umount` (an umount reported done that was not) or read the
 * logs; so it must be a real directory of the current user that nobody else may write to.
 */
import { lstat, mkdir } from 'node:fs/promises';

export const RUNTIME_DIR = process.env.COHEREFS_RUNTIME_DIR ?? '/run/coherefs';

/** Throws when the directory exists but is not safe to use; true when it exists. */
export async function checkRuntimeDir(): Promise<boolean> {
  const info = await lstat(RUNTIME_DIR).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!info) return false;
  const refuse = (why: string): never => {
    throw new Error(`refusing the runtime directory ${RUNTIME_DIR}: ${why}`);
  };
  if (!info.isDirectory()) refuse('it is not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) refuse(`it is owned by uid ${info.uid}, not by the current user (uid ${uid})`);
  if ((info.mode & 0o022) !== 0) refuse(`it is group- or world-writable (mode ${(info.mode & 0o7777).toString(8)})`);
  return true;
}

/** Make the directory (mode 0700) if it is missing, and check it. */
export async function ensureRuntimeDir(): Promise<void> {
  await mkdir(RUNTIME_DIR, { recursive: true, mode: 0o700 });
  await checkRuntimeDir();
}
