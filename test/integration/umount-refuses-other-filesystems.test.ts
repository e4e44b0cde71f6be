/**
 * Guards `coherefs umount` with no daemon answering: it forces an unmount only of a coherefs mount,
 * never of another filesystem at a mistyped or stale path (here a tmpfs), which stays mounted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findMount } from '../../src/util/mountinfo.js';
import { requireFuse } from './harness/require-fuse.js';
import { coherefs } from './harness/coherefs-mount.js';

const run = promisify(execFile);

describe.runIf(requireFuse())('coherefs umount', () => {
  it('refuses to unmount a filesystem that is not coherefs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coherefs-other-'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    try {
      const result = await coherefs(['umount', dir]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/is a tmpfs mount, not coherefs/);
      expect((await findMount(dir))?.fstype).toBe('tmpfs');
    } finally {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
