/**
 * Metadata benchmark for src/fs: creates, stats and unlinks per second, and mount time, for 10k and
 * 100k files, each against the same operations on a tmpfs directory (/dev/shm) in the same run.
 * The mount baseline is the nearest thing tmpfs does: reading every name and inode (readdir + stat).
 * coherefs here is called in-process (no FUSE): the ratios measure the metadata engine, not a mount.
 * Run: make build && npm run bench:fs
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Filesystem, mkfs, ROOT_INO } from '../src/fs/api.js';

const SIZES = (process.env.BENCH_FILES ?? '10000,100000').split(',').map(Number);
const IMAGE_SIZE = 2 * 2 ** 30;

function timed(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

async function timedAsync(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

interface Row { files: number; op: string; coherefs: number; tmpfs: number; unit: 'ops/s' | 'ms' }

async function coherefsRun(dir: string, n: number): Promise<Record<string, number>> {
  const image = join(dir, `bench-${n}.img`);
  await mkfs(image, { size: IMAGE_SIZE, force: true });
  let fs = await Filesystem.mount(image, { commitIntervalMs: 0 });
  const names = Array.from({ length: n }, (_, i) => `file-${i}`);
  const create = await timedAsync(async () => {
    for (const name of names) fs.create(ROOT_INO, name, 0o644, 0, 0);
    await fs.sync();
  });
  const stat = timed(() => {
    for (const name of names) fs.getattr(fs.lookup(ROOT_INO, name));
  });
  await fs.unmount();
  const mount = await timedAsync(async () => {
    fs = await Filesystem.mount(image, { commitIntervalMs: 0 });
  });
  const unlink = await timedAsync(async () => {
    for (const name of names) fs.unlink(ROOT_INO, name);
    await fs.sync();
  });
  await fs.unmount();
  rmSync(image);
  return { create, stat, unlink, mount };
}

function tmpfsRun(dir: string, n: number): Record<string, number> {
  const root = join(dir, `tree-${n}`);
  mkdirSync(root);
  const paths = Array.from({ length: n }, (_, i) => join(root, `file-${i}`));
  const create = timed(() => {
    for (const p of paths) closeSync(openSync(p, 'wx', 0o644));
  });
  const stat = timed(() => {
    for (const p of paths) statSync(p);
  });
  const mount = timed(() => {
    for (const name of readdirSync(root)) statSync(join(root, name));
  });
  const unlink = timed(() => {
    for (const p of paths) unlinkSync(p);
  });
  rmSync(root, { recursive: true });
  return { create, stat, unlink, mount };
}

const dir = mkdtempSync('/dev/shm/coherefs-bench-');
const rows: Row[] = [];
try {
  // Warm up both sides (JIT, page cache) so the first size measured is not the JIT's.
  await coherefsRun(dir, 2000);
  tmpfsRun(dir, 2000);
  for (const n of SIZES) {
    const c = await coherefsRun(dir, n);
    const t = tmpfsRun(dir, n);
    for (const op of ['create', 'stat', 'unlink'] as const) {
      rows.push({ files: n, op: `${op}s`, coherefs: (n / c[op]!) * 1000, tmpfs: (n / t[op]!) * 1000, unit: 'ops/s' });
    }
    rows.push({ files: n, op: 'mount (tmpfs: readdir+stat)', coherefs: c.mount!, tmpfs: t.mount!, unit: 'ms' });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(1));
const header = ['files', 'operation', 'coherefs', 'tmpfs', 'unit', 'coherefs/tmpfs'];
const lines = rows.map((r) => [String(r.files), r.op, fmt(r.coherefs), fmt(r.tmpfs), r.unit, (r.coherefs / r.tmpfs).toFixed(2)]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const row = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
process.stdout.write(`${row(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${lines.map(row).join('\n')}\n`);
process.stdout.write('ops/s: higher is better; ms (mount): lower is better. creates and unlinks include the commit.\n');
