/**
 * Guards the image lock against other names of a mounted image: a hard link, a symlink and a
 * /proc/self/fd path reach the same file, so mount, mkfs --force and fsck through them are refused
 * (EBUSY, naming the holder) and the image keeps every byte. A holder killed with SIGKILL leaves no
 * lock behind. (Bind mounts are in test/integration/one-lock-per-image-any-name.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { link, open, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Filesystem, fsck, mkfs, ROOT_INO } from '../../src/fs/api.js';
import { ImageLock } from '../../src/fs/image-lock.js';
import { sha256, tempDir } from './image-files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const SIZE = 8 * 2 ** 20;

/** The image's other names: a hard link, a symlink, and a /proc/self/fd path (closed by the caller). */
async function aliases(image: string): Promise<{ names: string[]; close: () => Promise<void> }> {
  await link(image, join(dir, 'hard.img'));
  await symlink(image, join(dir, 'sym.img'));
  const handle = await open(image, 'r');
  return { names: [join(dir, 'hard.img'), join(dir, 'sym.img'), `/proc/self/fd/${handle.fd}`], close: () => handle.close() };
}

describe('one lock per image, whatever name reaches it', () => {
  it('refuses mount, mkfs --force and fsck of a mounted image by any other name, changing nothing', async () => {
    const image = join(dir, 'good.img');
    await mkfs(image, { size: SIZE });
    const fs = await Filesystem.mount(image, { commitIntervalMs: 0 });
    const { names, close } = await aliases(image);
    try {
      const ino = fs.create(ROOT_INO, 'kept', 0o644, 0, 0).ino;
      await fs.store(ino).write(0, Buffer.from('still here'));
      await fs.fsync(ino);
      const before = await sha256(image);
      const inUse = new RegExp(`in use: locked by process ${process.pid} \\(`);
      for (const name of names) {
        await expect(Filesystem.mount(name, { commitIntervalMs: 0 }), name).rejects.toMatchObject({ code: 'EBUSY', message: expect.stringMatching(inUse) });
        await expect(mkfs(name, { size: SIZE, force: true }), name).rejects.toMatchObject({ code: 'EBUSY', message: expect.stringMatching(inUse) });
        await expect(fsck(name), name).rejects.toMatchObject({ code: 'EBUSY', message: expect.stringMatching(inUse) });
        expect(await ImageLock.holder(name), name).toBe(process.pid);
      }
      expect(await sha256(image)).toBe(before);
    } finally {
      await close();
      await fs.unmount();
    }
    expect(await ImageLock.holder(image)).toBeNull();
    expect(await fsck(join(dir, 'hard.img'))).toMatchObject({ clean: true });
    const again = await Filesystem.mount(join(dir, 'sym.img'), { commitIntervalMs: 0 });
    const bytes = Buffer.alloc(10);
    await again.store(again.lookup(ROOT_INO, 'kept')).read(0, bytes);
    await again.unmount();
    expect(bytes.toString()).toBe('still here');
  });

  it('drops the lock of a holder killed with SIGKILL', async () => {
    const image = join(dir, 'good.img');
    await mkfs(image, { size: SIZE });
    const hard = join(dir, 'hard.img');
    await link(image, hard);
    const holder = spawn(process.execPath, [
      '--input-type=module', '-e',
      'const { Filesystem } = await import(process.argv[1]); await Filesystem.mount(process.argv[2]); process.stdout.write("mounted\\n"); setInterval(() => {}, 1000);',
      resolve('dist/src/fs/api.js'), image,
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((done) => holder.on('exit', done));
    try {
      await new Promise<void>((done, fail) => {
        holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('mounted') && done());
        holder.on('exit', (code) => fail(new Error(`the holder exited early with ${code}`)));
      });
      await expect(Filesystem.mount(hard)).rejects.toThrow(new RegExp(`in use: locked by process ${holder.pid} \\(`));
      expect(await ImageLock.holder(hard)).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
    expect(await ImageLock.holder(hard)).toBeNull();
    const fs = await Filesystem.mount(hard, { commitIntervalMs: 0 });
    await fs.unmount();
  });
});
