/**
 * Guards the convergence of the log's block-map records with the ranged unmap of format 3: applying
 * a record twice, or a whole run of records again over the state it produced (as a replay over a
 * state that already holds part of it would), leaves the same block maps, the same metadata byte
 * count and frees nothing the second time. The run punches holes mid-extent, at an extent's edges,
 * across two extents and over a hole, maps blocks back into a hole, and cuts the file's tail.
 */
import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Metadata } from '../../src/fs/metadata.js';
import type { Op } from '../../src/fs/records.js';

const inode = (ino: number): Op => ({
  kind: 'inode',
  attrs: { ino, mode: constants.S_IFREG | 0o644, nlink: 1, uid: 0, gid: 0, rdev: 0, flags: 0, size: 64 * 4096, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, target: '' },
});

const RUN: Op[] = [
  inode(2),
  { kind: 'map', ino: 2, lblk: 0, pblk: 100, len: 20 },
  { kind: 'map', ino: 2, lblk: 30, pblk: 300, len: 10 },
  { kind: 'unmap', ino: 2, lblk: 5, len: 3 },
  { kind: 'unmap', ino: 2, lblk: 0, len: 2 },
  { kind: 'unmap', ino: 2, lblk: 18, len: 14 },
  { kind: 'unmap', ino: 2, lblk: 45, len: 4 },
  { kind: 'map', ino: 2, lblk: 6, pblk: 500, len: 1 },
  { kind: 'punch', ino: 2, lblk: 36 },
];

function state(meta: Metadata): { maps: unknown; bytes: number; blocks: number } {
  const extents = meta.get(2)!.extents!;
  return { maps: extents.all().map((e) => ({ ...e })), bytes: meta.bytes, blocks: extents.blocks };
}

describe('ranged unmap records', () => {
  it('replay to the same state: each twice, and the whole run again over its own result', () => {
    const once = new Metadata();
    for (const op of RUN) once.apply(op);
    expect(state(once).maps).toEqual([
      { lblk: 2, pblk: 102, len: 3 },
      { lblk: 6, pblk: 500, len: 1 },
      { lblk: 8, pblk: 108, len: 10 },
      { lblk: 32, pblk: 302, len: 4 },
    ]);

    const twice = new Metadata();
    for (const op of RUN) {
      twice.apply(op);
      if (op.kind === 'unmap' || op.kind === 'punch') expect(twice.apply(op)).toEqual([]);
      else twice.apply(op);
    }
    expect(state(twice)).toEqual(state(once));

    const again = new Metadata();
    for (const op of [...RUN, ...RUN]) again.apply(op);
    expect(state(again)).toEqual(state(once));
  });
});
