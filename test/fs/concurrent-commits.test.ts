/**
 * Writes, truncates and fsyncs on many files at once, so records are added while commits and
 * checkpoints are in flight: after a final sync, the image as it stands (no unmount checkpoint) holds
 * every file exactly as written.
 */
import { expect, it } from 'vitest';
import { Filesystem, fsck, MemoryDevice, ROOT_INO } from '../../src/fs/api.js';
import { seededRandom } from './crash-device.js';
import { freshFs } from './helpers.js';

it('records added during commits and checkpoints all reach the image', async () => {
  const { fs, device } = await freshFs(8 * 2 ** 20, { logSize: 8 * 1024 });
  const random = seededRandom(7);
  const files = Array.from({ length: 8 }, (_, i) => ({
    ino: fs.create(ROOT_INO, `f${i}`, 0o644, 0, 0).ino,
    model: new Uint8Array(0),
  }));
  const worker = async (file: (typeof files)[number], id: number): Promise<void> => {
    const store = fs.store(file.ino);
    for (let step = 0; step < 60; step++) {
      const r = random();
      if (r < 0.6) {
        const pos = Math.floor(random() * 100_000);
        const data = new Uint8Array(1 + Math.floor(random() * 20_000)).fill(1 + ((id * 31 + step) % 255));
        const grown = new Uint8Array(Math.max(file.model.length, pos + data.length));
        grown.set(file.model);
        grown.set(data, pos);
        file.model = grown;
        await store.write(pos, data);
      } else if (r < 0.75) {
        const size = Math.floor(random() * 120_000);
        const next = new Uint8Array(size);
        next.set(file.model.subarray(0, size));
        file.model = next;
        await store.setSize(size);
      } else if (r < 0.95) {
        await fs.fsync(file.ino);
      } else {
        await fs.sync();
      }
    }
  };
  await Promise.all(files.map(worker));
  await fs.sync();
  const synced = new MemoryDevice(device.bytes.slice());
  await fs.unmount();
  expect(await fsck(synced)).toMatchObject({ clean: true, problems: [] });
  const again = await Filesystem.mountDevice(synced, { commitIntervalMs: 0 });
  for (const file of files) {
    const bytes = new Uint8Array(again.getattr(file.ino).size);
    await again.store(file.ino).read(0, bytes);
    expect(Buffer.compare(bytes, file.model)).toBe(0);
  }
  await again.unmount();
});
