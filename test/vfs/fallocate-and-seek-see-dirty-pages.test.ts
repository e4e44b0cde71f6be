/**
 * fallocate and SEEK_DATA/SEEK_HOLE through the Vfs, with the data still in dirty pages of the
 * daemon's cache: a punched or zeroed range reads as zeros at once and after writeback and remount
 * (no dirty page written back over it later), a dropped dirty page gives its block reservation back,
 * dirty pages over holes count as data, an allocation the image cannot hold fails with ENOSPC and
 * changes nothing, and the modes FUSE never passes are EOPNOTSUPP.
 */
import { describe, expect, it } from 'vitest';
import { Vfs } from '../../src/vfs/api.js';
import { FALLOC_FL_KEEP_SIZE as KEEP, FALLOC_FL_PUNCH_HOLE as PUNCH, FALLOC_FL_ZERO_RANGE as ZERO, SEEK_DATA, SEEK_HOLE } from '../../src/vfs/fallocate.js';
import { byteRuns } from '../fs/helpers.js';
import { freshVfs, O_RDWR } from './helpers.js';

const P = 4096;

async function read(vfs: Vfs, fh: number): Promise<string> {
  const buf = new Uint8Array(vfs.getattr(vfs.inodeOf(fh)).size);
  await vfs.read(fh, 0, buf);
  return byteRuns(buf);
}

async function remounted(vfs: Vfs, device: Parameters<typeof Vfs.openDevice>[0], path: string): Promise<string> {
  await vfs.close();
  const again = await Vfs.openDevice(device, { cacheSize: 1 << 20, coherence: 'locked', dioAlign: 512, commitIntervalMs: 0 });
  const fh = again.open(path, O_RDWR);
  const seen = await read(again, fh);
  await again.release(fh);
  await again.close();
  return seen;
}

describe('fallocate over dirty pages', () => {
  it('a punched hole reads as zeros at once, after writeback and after remount; the dropped dirty page gives back its reservation', async () => {
    const { vfs, device } = await freshVfs();
    vfs.mknod('/f', 0o644);
    const fh = vfs.open('/f', O_RDWR);
    const free = vfs.statfs().bfree;
    await vfs.write(fh, 0, new Uint8Array(4 * P).fill(0xaa));
    expect(vfs.statfs().bfree).toBe(free - 4);
    await vfs.fallocate(fh, PUNCH | KEEP, P + 100, 2 * P - 50);
    const expected = '0-4195:aa 4196-12337:0 12338-16383:aa';
    expect(await read(vfs, fh)).toBe(expected);
    // Page 2 lay wholly in the hole: dropped, its reservation back.
    expect(vfs.statfs().bfree).toBe(free - 3);
    await vfs.fsync(fh);
    expect(await read(vfs, fh)).toBe(expected);
    expect(vfs.getattr('/f').blocks).toBe(3 * 8);
    await vfs.release(fh);
    expect(await remounted(vfs, device, '/f')).toBe(expected);
  });

  it('a zeroed range reads as zeros and keeps or grows the size as asked', async () => {
    const { vfs, device } = await freshVfs();
    vfs.mknod('/f', 0o644);
    const fh = vfs.open('/f', O_RDWR);
    await vfs.write(fh, 0, new Uint8Array(3 * P).fill(0xbb));
    await vfs.fallocate(fh, ZERO | KEEP, 100, 5 * P);
    expect(await read(vfs, fh)).toBe('0-99:bb 100-12287:0');
    await vfs.write(fh, 0, new Uint8Array(200).fill(0xcc));
    await vfs.fallocate(fh, ZERO, 150, 4 * P);
    expect(await read(vfs, fh)).toBe('0-149:cc 150-16533:0');
    await vfs.release(fh);
    expect(await remounted(vfs, device, '/f')).toBe('0-149:cc 150-16533:0');
  });

  it('allocation grows the size unless kept; one the image cannot hold is ENOSPC and changes nothing', async () => {
    const { vfs } = await freshVfs();
    vfs.mknod('/f', 0o644);
    const fh = vfs.open('/f', O_RDWR);
    await vfs.write(fh, 0, new Uint8Array(100).fill(0xdd));
    await vfs.fallocate(fh, KEEP, 0, 8 * P);
    expect(vfs.getattr('/f')).toMatchObject({ size: 100, blocks: 8 * 8 });
    await vfs.fallocate(fh, 0, 0, 2 * P);
    expect(vfs.getattr('/f')).toMatchObject({ size: 2 * P, blocks: 8 * 8 });
    const free = vfs.statfs().bfree;
    await expect(vfs.fallocate(fh, 0, 0, (free + 9) * P)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(vfs.getattr('/f')).toMatchObject({ size: 2 * P, blocks: 8 * 8 });
    expect(vfs.statfs().bfree).toBe(free);
    expect(await read(vfs, fh)).toBe('0-99:dd 100-8191:0');
    for (const mode of [PUNCH, 0x08, 0x20, 0x40, ZERO | PUNCH | KEEP]) {
      await expect(vfs.fallocate(fh, mode, 0, P), `mode ${mode}`).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    }
    await vfs.release(fh);
    await vfs.close();
  });
});

describe('SEEK_DATA and SEEK_HOLE', () => {
  it('count dirty pages over holes as data, before and after writeback; ENXIO at EOF', async () => {
    const { vfs } = await freshVfs();
    vfs.mknod('/f', 0o644);
    const fh = vfs.open('/f', O_RDWR);
    await vfs.write(fh, 5 * P, new Uint8Array(P).fill(1));
    await vfs.write(fh, 9 * P, new Uint8Array(10).fill(2));
    const answers = (): number[] => [
      vfs.lseek(fh, 0, SEEK_DATA), vfs.lseek(fh, 0, SEEK_HOLE), vfs.lseek(fh, 5 * P + 7, SEEK_DATA),
      vfs.lseek(fh, 5 * P, SEEK_HOLE), vfs.lseek(fh, 6 * P, SEEK_DATA), vfs.lseek(fh, 9 * P + 3, SEEK_HOLE),
    ];
    const expected = [5 * P, 0, 5 * P + 7, 6 * P, 9 * P, 9 * P + 10];
    expect(answers(), 'dirty pages only').toEqual(expected);
    await vfs.fsync(fh);
    expect(answers(), 'written back').toEqual(expected);
    for (const [pos, whence] of [[9 * P + 10, SEEK_DATA], [9 * P + 10, SEEK_HOLE], [-1, SEEK_DATA]] as const) {
      expect(() => vfs.lseek(fh, pos, whence)).toThrow(/ENXIO/);
    }
    await vfs.fallocate(fh, PUNCH | KEEP, 9 * P, P);
    expect(() => vfs.lseek(fh, 6 * P, SEEK_DATA)).toThrow(/ENXIO/);
    expect(vfs.lseek(fh, 0, 2)).toBe(9 * P + 10);
    await vfs.release(fh);
    await vfs.close();
  });
});
