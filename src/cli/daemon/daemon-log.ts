/**
 * The background daemon's log in the runtime directory (runtime-dir.ts), named for people by the
 * image and the mountpoint, and for the machine by the mountpoint's key (the control socket's, so
 * that the logs of a mount still there can be told apart): `disk.img-mnt-0123abcd.log`.
 * Each mount starts a new log and keeps the previous OLD_LOGS_KEPT as .log.1 (the newest) to .log.3.
 * The logs of all but the MOUNTS_WITH_LOGS_KEPT mounts written to last are removed (those of a mount
 * still there never), so that mounts on ever new directories (tests, mktemp) do not pile logs up.
 */
import { openSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readMountinfo } from '../../util/mountinfo.js';
import { mountKey } from './control-socket.js';
import { RUNTIME_DIR } from './runtime-dir.js';

export const OLD_LOGS_KEPT = 3;
export const MOUNTS_WITH_LOGS_KEPT = 16;
/** Hex digits of the mountpoint's key in a log's name. */
const KEY_DIGITS = 8;
/** `<stem>.log`, or an earlier one, `<stem>.log.N`. */
const LOG_NAME = /^(.+)\.log(?:\.\d+)?$/;
/** The key ends a stem; logs before these names were named by the 16-digit key alone. */
const KEY_IN_STEM = /([0-9a-f]{8})(?:[0-9a-f]{8})?$/;

const ignoreMissing = (err: NodeJS.ErrnoException): undefined => {
  if (err.code !== 'ENOENT') throw err;
  return undefined;
};

/** A basename as it may appear in a file name: no spaces or odd characters, not too long. */
function readable(name: string): string {
  return name.replace(/[^\w.-]/g, '_').slice(0, 40) || '_';
}

/** The log of `image` mounted on `mountpoint` (both real paths). */
export function daemonLogPath(dir: string, image: string, mountpoint: string): string {
  return join(dir, `${readable(basename(image))}-${readable(basename(mountpoint))}-${mountKey(mountpoint).slice(0, KEY_DIGITS)}.log`);
}

/** `x.log` becomes `x.log.1`, `x.log.1` becomes `x.log.2`, ...; what would become `x.log.<kept + 1>` is removed. */
export async function rotateLog(path: string, kept = OLD_LOGS_KEPT): Promise<void> {
  await rm(`${path}.${kept}`, { force: true });
  for (let generation = kept - 1; generation >= 0; generation--) {
    await rename(generation === 0 ? path : `${path}.${generation}`, `${path}.${generation + 1}`).catch(ignoreMissing);
  }
}

/**
 * Remove every log, current and earlier, of all but the `keptMounts` mounts whose logs were written
 * to last; never those of a mount whose key is in `liveKeys`. Returns the names removed.
 */
export async function removeUnusedLogs(dir: string, liveKeys: ReadonlySet<string>, keptMounts = MOUNTS_WITH_LOGS_KEPT): Promise<string[]> {
  const mounts = new Map<string, { names: string[]; lastWriteMs: number }>();
  for (const name of await readdir(dir)) {
    const stem = LOG_NAME.exec(name)?.[1];
    if (stem === undefined) continue;
    const info = await stat(join(dir, name)).catch(ignoreMissing);
    if (!info?.isFile()) continue;
    const mount = mounts.get(stem) ?? { names: [], lastWriteMs: 0 };
    mount.names.push(name);
    mount.lastWriteMs = Math.max(mount.lastWriteMs, info.mtimeMs);
    mounts.set(stem, mount);
  }
  const byLastWrite = [...mounts].sort(([, a], [, b]) => b.lastWriteMs - a.lastWriteMs);
  const removed: string[] = [];
  for (const [stem, { names }] of byLastWrite.slice(keptMounts)) {
    const key = KEY_IN_STEM.exec(stem)?.[1];
    if (key !== undefined && liveKeys.has(key)) continue;
    for (const name of names) await rm(join(dir, name), { force: true });
    removed.push(...names);
  }
  return removed;
}

/** The keys of the coherefs mounts there are now (mountinfo gives real paths, as the keys are made from). */
async function liveMountKeys(): Promise<Set<string>> {
  const mounts = (await readMountinfo()).filter((entry) => entry.fstype === 'fuse.coherefs');
  return new Set(mounts.map((entry) => mountKey(entry.mountpoint).slice(0, KEY_DIGITS)));
}

/**
 * Start the log of a background daemon: the earlier ones rotated, a new one opened (mode 0600) for
 * the daemon's stdout and stderr, the logs of mounts long unused removed. Failing to remove those
 * is reported and does not stop the mount.
 */
export async function openDaemonLog(image: string, mountpoint: string): Promise<{ path: string; fd: number }> {
  const path = daemonLogPath(RUNTIME_DIR, image, mountpoint);
  await rotateLog(path);
  const fd = openSync(path, 'a', 0o600);
  try {
    await removeUnusedLogs(RUNTIME_DIR, await liveMountKeys());
  } catch (err) {
    process.stderr.write(`coherefs: removing old logs from ${RUNTIME_DIR} failed: ${(err as Error).message}\n`);
  }
  return { path, fd };
}
