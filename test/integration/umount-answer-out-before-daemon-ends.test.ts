/**
 * Guards `coherefs umount`'s answer: the daemon (runDaemon) ends, and its process exits, only after
 * the answer to the unmount request has reached the caller. The unmount finishes in the same turn
 * as the answer is written, so a daemon that ended at once exited before writing it, now and then
 * (1 umount in 20 after fsx runs): "the daemon serving MNT sent no answer", exit 1, though the
 * image was unmounted and released.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { findMount } from '../../src/util/mountinfo.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';
import { cleanUpAfterEach, scratchImage } from './harness/coherefs-mount.js';

/** The daemon as built: its reader threads load dist/ files. */
const built = async <T>(path: string): Promise<T> => (await import(projectFile(`dist/src/cli/daemon/${path}`))) as T;
const { runDaemon } = await built<typeof import('../../src/cli/daemon/run-daemon.js')>('run-daemon.js');
const { requestControl } = await built<typeof import('../../src/cli/daemon/control-socket.js')>('control-socket.js');
const { parseMountOptions } = await built<typeof import('../../src/cli/daemon/mount-config.js')>('mount-config.js');

describe.runIf(requireFuse())('coherefs umount', () => {
  const used = cleanUpAfterEach();

  it('gets its answer before the daemon ends', async () => {
    const scratch = (used.scratch = await scratchImage(64 * 2 ** 20));
    const mountpoint = join(scratch.dir, 'mnt');
    await mkdir(mountpoint);
    let ready!: () => void;
    const mounted = new Promise<void>((resolve) => (ready = resolve));
    const daemon = runDaemon({ image: scratch.image, mountpoint, config: parseMountOptions(undefined, process.env), log: pino({ level: 'silent' }), onReady: ready });
    try {
      await Promise.race([mounted, daemon]);
      let answered = false;
      const answer = requestControl(mountpoint, { op: 'unmount' }, 30_000).finally(() => (answered = true));
      await daemon;
      expect(answered).toBe(true);
      expect(await answer).toEqual({ unmounted: mountpoint, mode: 'normal' });
    } finally {
      if (await findMount(mountpoint)) await promisify(execFile)('umount', ['-l', mountpoint]);
    }
  });
});
