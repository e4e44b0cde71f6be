/**
 * Guards `coherefs mkfs --preallocate`: the host allocates the whole image at mkfs (no sparse
 * holes left to fill later), and a host without the room refuses at once with ENOSPC, leaving no
 * image behind. Needs root for the small tmpfs that plays the full host.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fsck } from '../../src/fs/api.js';
import { fuseMissing, requireFuse } from '../integration/harness/require-fuse.js';
import { MiB, coherefs } from '../integration/harness/coherefs-mount.js';

const exec = promisify(execFile);

describe.runIf(requireFuse(process.getuid?.() === 0 ? fuseMissing() : 'mounting a tmpfs needs root'))('mkfs --preallocate', () => {
  let dir: string | undefined;
  let host: string | undefined;
  afterEach(async () => {
    if (host) await exec('umount', ['-l', host]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    host = dir = undefined;
  });

  it('holds the whole image on the host, or refuses at once when the host has no room', async () => {
    dir = await mkdtemp(join(tmpdir(), 'coherefs-prealloc-'));
    host = join(dir, 'host');
    await mkdir(host);
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=48M', 'tmpfs', host]);

    const fits = join(host, 'fits.img');
    expect((await coherefs(['mkfs', fits, '--size', '32M', '--preallocate'])).code).toBe(0);
    expect((await stat(fits)).blocks * 512).toBe(32 * MiB);
    expect((await fsck(fits)).clean).toBe(true);

    const tooBig = join(host, 'too-big.img');
    const refused = await coherefs(['mkfs', tooBig, '--size', '32M', '--preallocate']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ENOSPC: cannot preallocate/);
    await expect(access(tooBig)).rejects.toThrow(/ENOENT/);
  });
});
