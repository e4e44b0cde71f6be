/**
 * Guards truncate against appenders: an O_APPEND write that arrives while a truncate is in flight
 * lands at the new end, never at the old one (which would leave a hole of zeros between the two),
 * because truncate holds the inode's write lock as the kernel holds i_rwsem.
 */
import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { byteRuns } from '../fs/helpers.js';
import { freshVfs, O_RDWR } from './helpers.js';

describe('truncate and O_APPEND', () => {
  it('an append that arrives during a truncate lands at the new end', async () => {
    const { vfs } = await freshVfs();
    vfs.mknod('/log', 0o644);
    const fh = vfs.open('/log', O_RDWR);
    await vfs.write(fh, 0, new Uint8Array(8192).fill(0x2e));
    let resumeTruncate!: () => void;
    const truncateHeld = new Promise<void>((resolve) => (resumeTruncate = resolve));
    let truncateParked!: () => void;
    const parked = new Promise<void>((resolve) => (truncateParked = resolve));
    vfs.cache.scheduleHook = (point) => {
      if (point !== 'truncate:after-evict') return undefined;
      truncateParked();
      return truncateHeld;
    };
    const truncating = vfs.ftruncate(fh, 100);
    await parked;
    const appender = vfs.open('/log', O_RDWR | constants.O_APPEND);
    const appending = vfs.write(appender, 0, new TextEncoder().encode('tail\n'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    resumeTruncate();
    await truncating;
    expect(await appending).toBe(5);
    vfs.cache.scheduleHook = null;
    const bytes = new Uint8Array(vfs.getattr('/log').size);
    await vfs.read(fh, 0, bytes);
    expect(byteRuns(bytes)).toBe('0-99:2e 100-100:74 101-101:61 102-102:69 103-103:6c 104-104:a');
    for (const handle of [fh, appender]) await vfs.release(handle);
    await vfs.close();
  });
});
