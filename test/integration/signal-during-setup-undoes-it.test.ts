/**
 * Guards the daemon's signal handling during setup: a SIGTERM that arrives while the image is being
 * opened or mounted does not kill the daemon half way (leaving a dead mount or the image lock); the
 * daemon undoes what it set up and exits 1 saying so. Nothing is mounted, the lock file is gone, fsck
 * is clean and the image mounts again.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsck } from '../../src/fs/api.js';
import { ImageLock } from '../../src/fs/image-lock.js';
import { forceUnmount } from '../../src/util/daemon-mount.js';
import { findMount } from '../../src/util/mountinfo.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, mountCoherefs, scratchImage } from './harness/coherefs-mount.js';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** `coherefs mount -f`, sent SIGTERM as soon as it logs `step`; resolves when it has exited. */
function signalDuringSetup(image: string, mountpoint: string, step: string): Promise<Exit> {
  const child = spawn(process.execPath, [projectFile('dist/src/cli/main.js'), 'mount', image, mountpoint, '-f'], {
    detached: true, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let signalled = false;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (!signalled && stderr.includes(`"msg":"${step}"`)) {
      signalled = true;
      child.kill('SIGTERM');
    }
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

describe.runIf(requireFuse())('a signal during setup undoes the setup', () => {
  const used = cleanUpAfterEach();

  for (const step of ['opening the image', 'mounting']) {
    it(`SIGTERM while ${step}`, async () => {
      const scratch = (used.scratch = await scratchImage(64 * MiB));
      const mountpoint = join(scratch.dir, 'mnt');
      await mkdir(mountpoint);
      try {
        const exit = await signalDuringSetup(scratch.image, mountpoint, step);
        expect(exit.signal, 'the daemon was not killed by the signal').toBeNull();
        expect(exit.stderr).toMatch(/SIGTERM arrived while mounting: setup undone, nothing is mounted/);
        expect(exit.code).toBe(1);
        expect(await findMount(mountpoint)).toBeUndefined();
        expect(await ImageLock.holder(scratch.image)).toBeNull();
      } finally {
        await forceUnmount(mountpoint);
      }
      expect((await fsck(scratch.image)).clean).toBe(true);
      used.mount = await mountCoherefs(scratch.image);
    });
  }
});
