/**
 * Guards shutdown: close() waits for the reads and writes still in flight (fuse-native unmounts
 * lazily, so a request can outlive the unmount) before it writes back and releases the image, and
 * refuses new ones with EIO. Without it, a write that reported success was missing after remount.
 */
import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Vfs } from '../../src/vfs/api.js';
import { O_RDWR, freshVfs } from './helpers.js';

describe('close', () => {
  for (const kind of ['buffered', 'direct'] as const) {
    it(`waits for a ${kind} write in flight, which then survives a remount`, async () => {
      const { vfs, device } = await freshVfs();
      vfs.mknod('/f', 0o644);
      const fh = vfs.open('/f', kind === 'direct' ? O_RDWR | constants.O_DIRECT : O_RDWR);
      let resume!: () => void;
      const gate = new Promise<void>((resolve) => (resume = resolve));
      const point = kind === 'direct' ? 'dio-write:after-evict' : 'buffered-write:after-copy';
      let hits = 0;
      vfs.cache.scheduleHook = (at) => (at === point && hits++ === 0 ? gate : undefined);
      const data = new Uint8Array(256 * 1024).fill(0xab);
      const write = vfs.write(fh, 0, data);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const closed = vfs.close();
      await expect(vfs.read(fh, 0, new Uint8Array(10))).rejects.toMatchObject({ code: 'EIO' });
      resume();
      expect(await write).toBe(data.length);
      await closed;

      const again = await Vfs.openDevice(device, { cacheSize: 1 << 20, coherence: 'locked', dioAlign: 512, commitIntervalMs: 0 });
      expect(again.getattr('/f').size).toBe(data.length);
      const back = new Uint8Array(data.length);
      const reader = again.open('/f', O_RDWR);
      await again.read(reader, 0, back);
      expect(back).toEqual(data);
      await again.release(reader);
      await again.close();
    });
  }
});
