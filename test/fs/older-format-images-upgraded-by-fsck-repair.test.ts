/**
 * Guards the format changes (version 1: times in milliseconds; 2: nanoseconds; 3: device numbers,
 * inode flags, ranged unmap records). An image that format version 1 or 2 wrote
 * (fixtures/make-v1-image.mjs, make-v2-image.mjs; a checkpoint and a log after it) is refused by
 * mount, with the command that upgrades it, and reported by fsck, neither writing a byte;
 * `coherefs fsck --repair` upgrades it keeping every file, its data and its times, after which fsck
 * is clean and it mounts. After a power cut anywhere in the upgrade, also with a superblock copy left
 * stale by an earlier one, repair finishes the upgrade and the image mounts with everything.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Filesystem, fsck, MemoryDevice, repair, ROOT_INO, type ImageDevice } from '../../src/fs/api.js';
import { BLOCK_SIZE, decodeSuperblock, encodeSuperblock } from '../../src/fs/layout.js';
import { cli, sha256, tempDir } from './image-files.js';
import { RecordingDevice, seededRandom } from './crash-device.js';

interface Entry {
  mode: number; nlink: number; uid: number; gid: number; size: number;
  atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint; target?: string; sha256?: string;
}
type Times<T> = { atimeNs: T; mtimeNs: T; ctimeNs: T };
type V1Entry = Omit<Entry, keyof Times<bigint>> & { atimeMs: number; mtimeMs: number; ctimeMs: number };
type V2Entry = Omit<Entry, keyof Times<bigint>> & Times<string>;

const fixture = (name: string): Promise<Buffer> => readFile(new URL(`./fixtures/${name}`, import.meta.url));
const imageBytes = async (version: number): Promise<Buffer> => gunzipSync(await fixture(`v${version}-image.img.gz`));

/** What the old version showed for each path, its times in nanoseconds. */
async function expectedTree(version: number): Promise<Record<string, Entry>> {
  const listed = JSON.parse((await fixture(`v${version}-image.json`)).toString()) as Record<string, V1Entry | V2Entry>;
  return Object.fromEntries(Object.entries(listed).map(([path, entry]) => {
    if ('atimeMs' in entry) {
      const { atimeMs, mtimeMs, ctimeMs, ...rest } = entry;
      return [path, { ...rest, atimeNs: BigInt(atimeMs) * 1_000_000n, mtimeNs: BigInt(mtimeMs) * 1_000_000n, ctimeNs: BigInt(ctimeMs) * 1_000_000n }];
    }
    const { atimeNs, mtimeNs, ctimeNs, ...rest } = entry;
    return [path, { ...rest, atimeNs: BigInt(atimeNs), mtimeNs: BigInt(mtimeNs), ctimeNs: BigInt(ctimeNs) }];
  }));
}

const upgradeLine = (version: number): string => ({
  1: 'format version 1 upgraded to 3 (inode times kept exactly, now in nanoseconds; inodes gain device numbers and flags)',
  2: 'format version 2 upgraded to 3 (inodes gain device numbers and flags; files kept as they were)',
})[version]!;

/** Every path of the mounted image with its attributes, symlink target and data hash. */
async function tree(fs: Filesystem, path = '/', ino = ROOT_INO, out: Record<string, Entry> = {}): Promise<Record<string, Entry>> {
  const { mode, nlink, uid, gid, size, atimeNs, mtimeNs, ctimeNs } = fs.getattr(ino);
  const entry: Entry = { mode, nlink, uid, gid, size, atimeNs, mtimeNs, ctimeNs };
  const type = mode & 0o170000;
  if (type === 0o120000) entry.target = fs.readlink(ino);
  if (type === 0o100000) {
    const data = Buffer.alloc(size);
    await fs.store(ino).read(0, data);
    entry.sha256 = createHash('sha256').update(data).digest('hex');
  }
  out[path] = entry;
  for (const child of type === 0o040000 ? fs.readdir(ino) : []) await tree(fs, `${path === '/' ? '' : path}/${child.name}`, child.ino, out);
  return out;
}

async function mountedTree(device: ImageDevice): Promise<Record<string, Entry>> {
  const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
  try {
    return await tree(fs);
  } finally {
    await fs.unmount();
  }
}

for (const version of [1, 2]) describe(`a format version ${version} image`, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let image: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    image = join(dir, `v${version}.img`);
    await writeFile(image, await imageBytes(version));
  });
  afterEach(() => cleanup());

  it('is refused by mount with the command that upgrades it, and reported by fsck; neither writes', async () => {
    const before = await sha256(image);
    const upgrade = `upgrade it with: coherefs fsck --repair ${image}`;
    await expect(Filesystem.mount(image, { commitIntervalMs: 0 })).rejects.toThrow(
      `cannot mount: superblock: format version ${version}, older than this coherefs's version 3 (${upgrade})`);
    const run = await cli('fsck', image);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`problem: superblock: format version ${version}, older than this coherefs's version 3 (${upgrade})`);
    expect(await sha256(image)).toBe(before);
  });

  it('is upgraded by fsck --repair keeping every file, its data and times; then fsck is clean and it mounts', async () => {
    const repaired = await cli('fsck', '--repair', image);
    expect(repaired.stdout).toContain(`\n  repaired: ${upgradeLine(version)}\n`);
    expect(repaired.stdout).toContain(`\n${image}: clean\n`);
    expect(repaired.code).toBe(0);
    expect(await fsck(image)).toMatchObject({ clean: true, problems: [] });
    const fs = await Filesystem.mount(image, { commitIntervalMs: 0 });
    expect(await tree(fs)).toEqual(await expectedTree(version));
    await fs.unmount();

    const again = await cli('fsck', '--repair', image);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${image}: nothing to repair\n`);
  });

  /** The fixture with superblock copy B left older by a power cut: naming the idle slot, the one the upgrade writes. */
  async function withStaleCopyB(): Promise<Uint8Array> {
    const bytes = new Uint8Array(await imageBytes(version));
    const copy = decodeSuperblock(Buffer.from(bytes.subarray(0, BLOCK_SIZE)), version);
    if (copy.status !== 'ok') throw new Error('the fixture has a bad superblock');
    const { sb } = copy;
    bytes.set(encodeSuperblock({ ...sb, generation: sb.generation - 1, activeSlot: 1 - sb.activeSlot, epoch: sb.epoch - 1 }, version), BLOCK_SIZE);
    return bytes;
  }

  for (const [name, image] of [['as written', async () => new Uint8Array(await imageBytes(version))], ['with copy B stale', withStaleCopyB]] as const) {
    it(`after a power cut anywhere in its upgrade (${name}), repair finishes it, and it mounts with everything`, async () => {
      const expected = await expectedTree(version);
      const device = new RecordingDevice(new MemoryDevice(await image()));
      expect((await repair(device)).repairs[0]).toBe(upgradeLine(version));
      const fates = [() => () => 0, () => () => 0.45, (cut: number) => seededRandom(cut)];
      for (let cut = 0; cut <= device.trace.length; cut++) {
        for (const fate of fates) {
          const [{ image: crashed }] = [...device.crashImages([cut], fate(cut))];
          expect((await repair(crashed!)).clean, `power cut before trace entry ${cut}: repaired`).toBe(true);
          expect(await mountedTree(crashed!), `power cut before trace entry ${cut}`).toEqual(expected);
        }
      }
    });
  }
});
