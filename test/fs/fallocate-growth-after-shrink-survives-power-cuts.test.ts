/**
 * Guards the order of fallocate's growth (mode 0 past EOF): the stale tail of the EOF block is
 * zeroed, and the shrink that left it committed, before the new blocks are mapped, so the commit of
 * that shrink never makes blocks past the end durable without the size that covers them (an image
 * fsck calls damaged and mount refuses). A power cut anywhere leaves a clean image showing the file
 * as fsync'd before or after the growth.
 */
import { describe, expect, it } from 'vitest';
import { Filesystem, fsck, MemoryDevice, mkfsDevice, ROOT_INO as R } from '../../src/fs/api.js';
import { RecordingDevice } from './crash-device.js';
import { byteRuns } from './helpers.js';

const B = 4096;

describe('fallocate growth after a shrink, across power cuts', () => {
  it('every cut leaves a clean image with the file before the shrink or after the growth', async () => {
    const memory = new MemoryDevice(4 * 2 ** 20);
    await mkfsDevice(memory, { logSize: 64 * 1024, checkpointSize: 256 * 1024 });
    const device = new RecordingDevice(memory);
    const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    const ino = fs.create(R, 'f', 0o644, 0, 0).ino;
    await fs.store(ino).write(0, new Uint8Array(3 * B - 100).fill(0xaa));
    await fs.fsync(ino);
    const first = device.trace.length;
    // Not fsync'd: the growth commits it to zero the stale tail past B + 100.
    await fs.store(ino).setSize(B + 100);
    await fs.allocateRange(ino, 0, 8 * B, false);
    await fs.fsync(ino);
    await fs.unmount();

    const states = ['0-12187:aa', '0-4195:aa 4196-32767:0'];
    for (let cut = first; cut <= device.trace.length; cut++) {
      for (const { image } of device.crashImages([cut], () => 0)) {
        expect((await fsck(image)).problems, `cut ${cut}`).toEqual([]);
        const recovered = await Filesystem.mountDevice(image, { commitIntervalMs: 0 });
        const f = recovered.lookup(R, 'f');
        const data = Buffer.alloc(recovered.getattr(f).size);
        await recovered.store(f).read(0, data);
        await recovered.unmount();
        expect(states.concat('0-4195:aa'), `cut ${cut}`).toContain(byteRuns(data));
      }
    }
  });
});
