/**
 * Guards `coherefs mkfs` into a directory that does not exist: exit 2 with a message naming that
 * directory (not some internal file), and nothing is created.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirPerTest } from '../fs/helpers.js';
import { coherefs } from '../integration/harness/coherefs-mount.js';

describe('coherefs mkfs into a missing directory', () => {
  const dir = tempDirPerTest('coherefs-mkfs-nodir-');

  it('names the directory, exits 2 and creates nothing', async () => {
    const absent = join(dir(), 'absent');
    const result = await coherefs(['mkfs', join(absent, 'disk.img'), '--size', '64M']);
    expect(result.stderr.split('\n')[0]).toBe(`coherefs mkfs: ${absent}: no such directory`);
    expect(result.code).toBe(2);
    expect(await readdir(dir())).toEqual([]);
  });
});
