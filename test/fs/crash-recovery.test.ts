/**
 * Power cuts at random points of a random workload: after each, the image mounts, fsck is clean,
 * every fsync'd byte is there, and no file shows bytes it was never given (another file's data).
 * Each file identity writes its own byte values, so foreign data is visible.
 */
import { describe, expect, it } from 'vitest';
import { Filesystem, fsck, MemoryDevice, mkfsDevice, ROOT_INO, type ImageDevice } from '../../src/fs/api.js';
import { RecordingDevice, seededRandom } from './crash-device.js';
import { FsError } from '../../src/util/errno.js';

// Small enough that the allocator wraps around and reuses freed blocks during the run.
const IMAGE_SIZE = 2 * 2 ** 20;
const MAX_FILE = 320 * 1024;
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];
/** Byte values: 1 + id * VERSIONS + version % VERSIONS, so identities never share a value. */
const VERSIONS = 5;
const MAX_IDENTITIES = 50;
const STEPS = 800;
const CUTS_PER_SEED = 100;
const SEEDS = process.env.COHEREFS_CRASH_SEED ? [Number(process.env.COHEREFS_CRASH_SEED)] : [11, 22, 33, 44];

interface Promised { content: Uint8Array; size: number; name: string | null }
type ModelEvent =
  | { at: number; kind: 'write'; id: number; pos: number; len: number; value: number; sizeAfter: number }
  | { at: number; kind: 'size'; id: number; size: number }
  | { at: number; kind: 'name'; id: number; name: string | null; created?: boolean }
  | { at: number; kind: 'promise'; snapshots: Map<number, Promised> };

interface Identity { id: number; ino: number; name: string | null; content: Uint8Array; size: number; version: number }

/** Run a random workload on a recorded device; returns the events the oracle needs. */
async function runWorkload(device: RecordingDevice, random: () => number): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  const at = (): number => device.trace.length;
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
  const byName = new Map<string, Identity>();
  const all: Identity[] = [];
  const openOrphans: Array<{ ident: Identity; releaseAt: number }> = [];
  const dirs = [ROOT_INO];
  const snapshot = (i: Identity): Promised => ({ content: i.content.slice(0, i.size), size: i.size, name: i.name });
  const dropName = (i: Identity): void => {
    i.name = null;
    events.push({ at: at(), kind: 'name', id: i.id, name: null });
  };

  for (let step = 0; step < STEPS; step++) {
    for (const o of openOrphans.filter((x) => x.releaseAt === step)) fs.releaseInode(o.ident.ino);
    const live = [...byName.values()];
    const writable = [...live, ...openOrphans.filter((o) => o.releaseAt > step).map((o) => o.ident)];
    if (random() < 0.1) {
      directoryChurn(fs, dirs, pick);
      continue;
    }
    const r = random();
    const free = NAMES.filter((n) => !byName.has(n));
    if ((r < 0.15 || live.length === 0) && free.length && all.length < MAX_IDENTITIES) {
      const name = pick(free);
      events.push({ at: at(), kind: 'name', id: all.length, name, created: true });
      const ino = fs.create(ROOT_INO, name, 0o644, 0, 0).ino;
      const ident: Identity = { id: all.length, ino, name, content: new Uint8Array(MAX_FILE), size: 0, version: 0 };
      all.push(ident);
      byName.set(name, ident);
    } else if (r < 0.55 && writable.length) {
      const ident = pick(writable);
      const pos = Math.floor(random() * 256 * 1024);
      const len = 1 + Math.floor(random() * 48 * 1024);
      const value = 1 + ident.id * VERSIONS + (ident.version++ % VERSIONS);
      const sizeAfter = Math.max(ident.size, pos + len);
      const event = { at: at(), kind: 'write', id: ident.id, pos, len, value, sizeAfter } as const;
      try {
        await fs.store(ident.ino).write(pos, new Uint8Array(len).fill(value));
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENOSPC') throw err;
        continue;
      }
      events.push(event);
      ident.content.fill(value, pos, pos + len);
      ident.size = sizeAfter;
    } else if (r < 0.63 && live.length) {
      const ident = pick(live);
      const size = Math.floor(random() * MAX_FILE);
      events.push({ at: at(), kind: 'size', id: ident.id, size });
      await fs.store(ident.ino).setSize(size);
      ident.content.fill(0, Math.min(size, ident.size));
      ident.size = size;
    } else if (r < 0.75 && live.length) {
      const ident = pick(live);
      await fs.fsync(ident.ino);
      events.push({ at: at(), kind: 'promise', snapshots: new Map([[ident.id, snapshot(ident)]]) });
    } else if (r < 0.8) {
      await fs.sync();
      events.push({ at: at(), kind: 'promise', snapshots: new Map(live.map((i) => [i.id, snapshot(i)])) });
    } else if (r < 0.87 && live.length) {
      const ident = pick(live);
      const keepOpen = random() < 0.5;
      if (keepOpen) {
        fs.openInode(ident.ino);
        openOrphans.push({ ident, releaseAt: step + 1 + Math.floor(random() * 10) });
      }
      fs.unlink(ROOT_INO, ident.name!);
      byName.delete(ident.name!);
      dropName(ident);
    } else if (live.length) {
      const ident = pick(live);
      const to = pick(NAMES);
      const from = ident.name!;
      if (to === from) continue;
      const replaced = byName.get(to);
      fs.rename(ROOT_INO, from, ROOT_INO, to);
      if (replaced) dropName(replaced);
      byName.delete(from);
      byName.set(to, ident);
      ident.name = to;
      events.push({ at: at(), kind: 'name', id: ident.id, name: to });
    }
  }
  for (const o of openOrphans) if (o.releaseAt >= STEPS) fs.releaseInode(o.ident.ino);
  await fs.unmount();
  return events;
}

/**
 * A random directory operation (mkdir, rmdir, rename of a directory anywhere in the tree); the oracle
 * checks only that the tree stays consistent (fsck), so operations POSIX refuses are simply skipped.
 */
function directoryChurn(fs: Filesystem, dirs: number[], pick: <T>(items: T[]) => T): void {
  const parent = pick(dirs);
  const name = pick(['D0', 'D1', 'D2']);
  const choice = pick(['mkdir', 'mkdir', 'rmdir', 'rename'] as const);
  try {
    if (choice === 'mkdir') {
      dirs.push(fs.mkdir(parent, name, 0o755, 0, 0).ino);
    } else if (choice === 'rmdir') {
      const ino = fs.lookup(parent, name);
      fs.rmdir(parent, name);
      dirs.splice(dirs.indexOf(ino), 1);
    } else {
      const target = pick(dirs);
      const replaced = target === parent ? undefined : fs.readdir(target).find((e) => e.name === name)?.ino;
      fs.rename(parent, name, target, name);
      if (replaced !== undefined && dirs.includes(replaced)) dirs.splice(dirs.indexOf(replaced), 1);
    }
  } catch (err) {
    if (!(err instanceof FsError)) throw err;
  }
}

/** What a crash at trace index `cut` may leave of one identity. */
interface Allowed {
  promised: Promised | null;
  mustExist: boolean;
  names: Set<string>;
  sizes: Set<number>;
  zeroFrom: number;
  writes: Array<{ pos: number; len: number; value: number }>;
}

function allowedAt(events: ModelEvent[], cut: number): Map<number, Allowed> {
  const ids = new Map<number, Allowed>();
  for (const e of events) {
    if (e.kind === 'promise' ? e.at > cut : e.at >= cut) break;
    if (e.kind === 'promise') {
      for (const [id, p] of e.snapshots) {
        ids.set(id, { promised: p, mustExist: p.name !== null, names: new Set(p.name ? [p.name] : []), sizes: new Set([p.size]), zeroFrom: Infinity, writes: [] });
      }
      continue;
    }
    if (e.kind === 'name' && e.created) {
      ids.set(e.id, { promised: null, mustExist: false, names: new Set([e.name!]), sizes: new Set([0]), zeroFrom: 0, writes: [] });
      continue;
    }
    const a = ids.get(e.id)!;
    if (e.kind === 'name') {
      a.mustExist = false;
      if (e.name) a.names.add(e.name);
    } else if (e.kind === 'write') {
      a.writes.push(e);
      a.sizes.add(e.sizeAfter);
    } else {
      a.sizes.add(e.size);
      a.zeroFrom = Math.min(a.zeroFrom, e.size);
    }
  }
  return ids;
}

/** Why `bytes` cannot be what identity `id` left behind, or null if it can. */
function mismatch(id: number, a: Allowed, bytes: Uint8Array): string | null {
  if (!a.sizes.has(bytes.length)) return `size ${bytes.length} not in {${[...a.sizes].join(',')}}`;
  const versions = new Uint16Array(bytes.length);
  for (const w of a.writes) {
    const bit = 1 << ((w.value - 1) % VERSIONS);
    for (let o = w.pos; o < Math.min(w.pos + w.len, bytes.length); o++) versions[o]! |= bit;
  }
  const p = a.promised;
  for (let o = 0; o < bytes.length; o++) {
    const b = bytes[o]!;
    if (p && o < p.size && p.content[o] === b) continue;
    if (b === 0 && (!p || o >= p.size || o >= a.zeroFrom)) continue;
    if (b !== 0 && Math.floor((b - 1) / VERSIONS) === id && versions[o]! & (1 << ((b - 1) % VERSIONS))) continue;
    const owner = b === 0 ? 'zero' : `identity ${Math.floor((b - 1) / VERSIONS)}`;
    return `byte ${o} is ${b} (${owner}); fsync'd ${p && o < p.size ? p.content[o] : 'nothing'}`;
  }
  return null;
}

async function verifyCrashImage(image: ImageDevice, events: ModelEvent[], cut: number): Promise<void> {
  const fs = await Filesystem.mountDevice(image, { commitIntervalMs: 0 });
  const allowed = allowedAt(events, cut);
  const found = new Map<string, Uint8Array>();
  for (const entry of fs.readdir(ROOT_INO)) {
    if (!NAMES.includes(entry.name)) continue;
    const bytes = new Uint8Array(fs.getattr(entry.ino).size);
    await fs.store(entry.ino).read(0, bytes);
    found.set(entry.name, bytes);
  }
  for (const [id, a] of allowed) {
    if (!a.mustExist) continue;
    const bytes = found.get(a.promised!.name!);
    if (!bytes) throw new Error(`fsync'd file '${a.promised!.name}' (identity ${id}) is missing`);
    const why = mismatch(id, a, bytes);
    if (why) throw new Error(`fsync'd file '${a.promised!.name}' (identity ${id}): ${why}`);
  }
  for (const [name, bytes] of found) {
    const reasons = [...allowed].filter(([, a]) => a.names.has(name)).map(([id, a]) => `identity ${id}: ${mismatch(id, a, bytes)}`);
    if (!reasons.some((r) => r.endsWith(': null'))) throw new Error(`file '${name}' matches no identity that could be there: ${reasons.join('; ') || 'none'}`);
  }
  await fs.unmount();
  const report = await fsck(image);
  if (!report.clean) throw new Error(`fsck after recovery: ${report.problems.join('; ')}`);
}

describe('crash recovery at random cut points', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: mounts, fsck clean, fsync'd data intact, no foreign data`, async () => {
      const random = seededRandom(seed);
      const memory = new MemoryDevice(IMAGE_SIZE);
      await mkfsDevice(memory, { logSize: 8 * 1024, checkpointSize: 64 * 1024 });
      const device = new RecordingDevice(memory);
      const events = await runWorkload(device, random);
      const traceLength = device.trace.length;
      // The workload must have switched checkpoints mid-run (log full), not only at mount and unmount.
      const superblockWrites = device.trace.filter((e) => e.kind === 'write' && e.pos === 0).length;
      expect(superblockWrites).toBeGreaterThan(2);
      const points = Array.from({ length: traceLength + 1 }, (_, i) => i);
      for (let i = points.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [points[i], points[j]] = [points[j]!, points[i]!];
      }
      const cuts = points.slice(0, CUTS_PER_SEED).sort((x, y) => x - y);
      expect(cuts.length).toBe(CUTS_PER_SEED);
      let checked = 0;
      for (const { cut, image } of device.crashImages(cuts, random)) {
        try {
          await verifyCrashImage(image, events, cut);
        } catch (err) {
          throw new Error(`seed ${seed}, cut ${cut} of ${traceLength}: ${(err as Error).message} (rerun with COHEREFS_CRASH_SEED=${seed})`);
        }
        checked++;
      }
      expect(checked).toBe(cuts.length);
    });
  }

  it('a freed block is not reused before the record freeing it is durable', async () => {
    const memory = new MemoryDevice(IMAGE_SIZE);
    await mkfsDevice(memory, { logSize: 8 * 1024, checkpointSize: 64 * 1024 });
    const device = new RecordingDevice(memory);
    const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 0 });
    const filler = fs.create(ROOT_INO, 'filler', 0o644, 0, 0).ino;
    await fs.store(filler).write(0, new Uint8Array((fs.statfs().bfree - 2) * 4096).fill(1));
    const old = fs.create(ROOT_INO, 'old', 0o644, 0, 0).ino;
    await fs.store(old).write(0, new Uint8Array(2 * 4096).fill(0xaa));
    await fs.sync();
    fs.unlink(ROOT_INO, 'old');
    const fresh = fs.create(ROOT_INO, 'new', 0o644, 0, 0).ino;
    await fs.store(fresh).write(0, new Uint8Array(2 * 4096).fill(0xbb));
    // Power cut: every write not yet synced lands whole, nothing more is committed.
    const [{ image }] = [...device.crashImages([device.trace.length], () => 0.5)];
    const recovered = await Filesystem.mountDevice(image!, { commitIntervalMs: 0 });
    for (const entry of recovered.readdir(ROOT_INO)) {
      if (entry.name === 'new') continue;
      const bytes = new Uint8Array(recovered.getattr(entry.ino).size);
      await recovered.store(entry.ino).read(0, bytes);
      expect(bytes.includes(0xbb), `'${entry.name}' shows the new file's data`).toBe(false);
    }
    await recovered.unmount();
  });

  it('the commit timer makes changes nobody fsync\'d durable', async () => {
    const memory = new MemoryDevice(IMAGE_SIZE);
    await mkfsDevice(memory);
    const device = new RecordingDevice(memory);
    const fs = await Filesystem.mountDevice(device, { commitIntervalMs: 20 });
    const ino = fs.create(ROOT_INO, 'lazy', 0o644, 0, 0).ino;
    await fs.store(ino).write(0, new Uint8Array(100).fill(7));
    await new Promise((done) => setTimeout(done, 200));
    // Power cut: only what was synced survives.
    const [{ image }] = [...device.crashImages([device.trace.length], () => 0)];
    const recovered = await Filesystem.mountDevice(image!, { commitIntervalMs: 0 });
    const bytes = new Uint8Array(100);
    await recovered.store(recovered.lookup(ROOT_INO, 'lazy')).read(0, bytes);
    expect(bytes.every((b) => b === 7)).toBe(true);
    await recovered.unmount();
    await fs.unmount();
  });
});
