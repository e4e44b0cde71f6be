/**
 * Guards the target of a rename or unlink: its pages are dropped only once the name is really gone,
 * so a rename the fs refuses leaves the target's data as it was; and a rename over an existing
 * name needs no new metadata room, so "write a temp file, rename it over the original" still
 * saves on a full metadata area.
 */
import { describe, expect, it } from 'vitest';
import { freshVfs, readAll, savedFile } from './helpers.js';

const PRECIOUS = new TextEncoder().encode('precious data');

describe('rename and unlink targets', () => {
  it('a refused rename over a file leaves its data, in the cache and in the store', async () => {
    const { vfs } = await freshVfs();
    await savedFile(vfs, '/target', PRECIOUS);
    vfs.mkdir('/dir', 0o755);
    await expect(vfs.rename('/dir', '/target')).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(vfs.getattr('/target').size).toBe(PRECIOUS.length);
    expect(await readAll(vfs, '/target')).toEqual(PRECIOUS);
    await vfs.close();
  });

  it('a rename over an existing name succeeds when the metadata area is full', async () => {
    const { vfs } = await freshVfs({ checkpointSize: 16 * 1024 }, 4 * 2 ** 20);
    const document = '/the-document-being-saved-under-a-long-name.txt';
    await savedFile(vfs, document, PRECIOUS);
    const next = new TextEncoder().encode('the new version');
    await savedFile(vfs, '/t', next);
    // Fill the metadata area to the last bytes: hard links of /t, longest names first.
    let links = 0;
    for (let length = 60; length >= 1; length--) {
      for (;;) {
        try {
          vfs.link('/t', `/${'x'.repeat(length)}${links}`);
          links++;
        } catch (err) {
          expect(err).toMatchObject({ code: 'ENOSPC' });
          break;
        }
      }
    }
    expect(vfs.statfs().ffree).toBe(0);
    await vfs.rename('/t', document);
    expect(await readAll(vfs, document)).toEqual(next);
    await vfs.close();
  });
});
