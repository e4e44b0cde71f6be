/**
 * Guards what a user sees when FUSE refuses the mount: as a user who may not open /dev/fuse, both the
 * background and the foreground `coherefs mount` exit 1 naming the cause ("cannot open /dev/fuse:
 * permission denied", and libfuse's own line), where they used to print only "fuse failed" and leave
 * the cause in the daemon's log. Nothing is mounted.
 */
import { execFile } from 'node:child_process';
import { chown, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMount } from '../../src/util/mountinfo.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';
import { MiB, cleanUpAfterEach, scratchImage, type CliResult } from './harness/coherefs-mount.js';

const NOBODY = 65534;

/** `coherefs ARGS` as uid and gid 65534 (setpriv keeps the environment). */
function coherefsAsNobody(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const command = ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', process.execPath, projectFile('dist/src/cli/main.js'), ...args];
  return new Promise((resolve) =>
    execFile('setpriv', command, { env, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

/** The test needs a /dev/fuse that only root may open (the default here); say so if it is not. */
async function devFuseClosedToOthers(): Promise<boolean> {
  const closed = ((await stat('/dev/fuse').catch(() => undefined))?.mode ?? 0o666) & 0o006;
  if (closed !== 0) process.stderr.write('skipping: /dev/fuse is open to every user here, so a non-root mount does not fail\n');
  return closed === 0;
}

describe.runIf(requireFuse())('a mount FUSE refuses names the cause', () => {
  const used = cleanUpAfterEach();

  for (const mode of ['background', 'foreground']) {
    it(`${mode}: a user who cannot open /dev/fuse is told so`, async ({ skip }) => {
      if (!(await devFuseClosedToOthers())) skip();
      const scratch = (used.scratch = await scratchImage(64 * MiB));
      const [mountpoint, runtime] = [join(scratch.dir, 'mnt'), join(scratch.dir, 'run')];
      await mkdir(mountpoint);
      await mkdir(runtime, { mode: 0o700 });
      for (const path of [scratch.dir, scratch.image, mountpoint, runtime]) await chown(path, NOBODY, NOBODY);
      const env = { ...process.env, COHEREFS_RUNTIME_DIR: join(runtime, 'coherefs') };

      const result = await coherefsAsNobody(['mount', scratch.image, mountpoint, ...(mode === 'foreground' ? ['-f'] : [])], env);
      expect(result.stderr).toMatch(/coherefs: fuse failed: cannot open \/dev\/fuse: permission denied/);
      expect(result.stderr).toMatch(/fuse: failed to open \/dev\/fuse: Permission denied/);
      expect(result.code).toBe(1);
      expect(await findMount(mountpoint)).toBeUndefined();
    });
  }
});
