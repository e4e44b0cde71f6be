/**
 * kill -9 of a process with the image mounted: the kernel drops its image lock, and the next mount
 * replays the log and finds every fsync'd byte; fsck is clean.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Filesystem, fsck, mkfs, ROOT_INO } from '../../src/fs/api.js';
import { tempDir } from './image-files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const CHILD = `
const { Filesystem, ROOT_INO } = await import(process.argv[1]);
const fs = await Filesystem.mount(process.argv[2], { commitIntervalMs: 0 });
for (let i = 0; i < 20; i++) {
  const ino = fs.create(ROOT_INO, 'f' + i, 0o644, 0, 0).ino;
  await fs.store(ino).write(i * 1000, Buffer.alloc(5000, i + 1));
  await fs.fsync(ino);
}
fs.create(ROOT_INO, 'not-synced', 0o644, 0, 0);
process.stdout.write('synced\\n');
setInterval(() => {}, 1000);
`;

it('a kill -9 leaves an image that mounts with every fsync\'d byte', async () => {
  const image = join(dir, 'img');
  await mkfs(image, { size: 8 * 2 ** 20 });
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, resolve('dist/src/fs/api.js'), image], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((done, fail) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('synced') && done());
    child.on('exit', (code) => fail(new Error(`child exited early with ${code}`)));
  });
  const exited = new Promise((done) => child.on('exit', done));
  child.kill('SIGKILL');
  await exited;

  const fs = await Filesystem.mount(image, { commitIntervalMs: 0 });
  for (let i = 0; i < 20; i++) {
    const ino = fs.lookup(ROOT_INO, `f${i}`);
    const bytes = Buffer.alloc(fs.getattr(ino).size);
    await fs.store(ino).read(0, bytes);
    expect(bytes.length).toBe(i * 1000 + 5000);
    expect(bytes.subarray(0, i * 1000).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(i * 1000).every((b) => b === i + 1)).toBe(true);
  }
  await fs.unmount();
  expect(await fsck(image)).toMatchObject({ clean: true });
});
