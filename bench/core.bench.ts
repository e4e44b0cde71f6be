/**
 * Benchmark of the page-cache core (not a test): buffered read hits and misses, buffered writes,
 * direct reads and writes over an in-memory store, each in MB/s and as a ratio to a plain
 * Buffer.copy loop of the same chunk size run in the same process. Run: npm run bench:core
 */
import { MemoryStore, PAGE_SIZE, PageCache, bufferedRead, bufferedWrite, directRead, directWrite, fsync, type PageCacheOptions } from '../src/mm/api.js';

const MiB = 1024 * 1024;
const CHUNK = 128 * 1024;
const FILE_BYTES = 64 * MiB;

interface Row {
  name: string;
  mbps: number;
}

/**
 * `step` at each chunk of the file, one event-loop turn before each, as the daemon's requests
 * arrive (as macrotasks): the flusher yields with setImmediate between runs, and page recycling
 * waits for it, so a loop of awaits alone would never let it go on. The baseline runs the same way.
 */
async function eachChunk(step: (pos: number) => unknown): Promise<void> {
  for (let pos = 0; pos < FILE_BYTES; pos += CHUNK) {
    await new Promise((resolve) => setImmediate(resolve));
    await step(pos);
  }
}

async function timed(name: string, bytes: number, fn: () => Promise<void>): Promise<Row> {
  await fn(); // warm-up round (JIT, pool growth)
  const start = performance.now();
  let rounds = 0;
  do {
    await fn();
    rounds++;
  } while (performance.now() - start < 1000);
  const seconds = (performance.now() - start) / 1000;
  return { name, mbps: (bytes * rounds) / MiB / seconds };
}

async function filledStore(): Promise<MemoryStore> {
  const store = new MemoryStore();
  const chunk = new Uint8Array(CHUNK).fill(7);
  for (let pos = 0; pos < FILE_BYTES; pos += CHUNK) await store.write(pos, chunk);
  return store;
}

function cacheOf(options: Partial<PageCacheOptions> = {}): PageCache {
  return new PageCache({ cacheSize: 128 * MiB, dirtyExpireMs: 60_000, ...options });
}

async function main(): Promise<void> {
  const src = Buffer.alloc(FILE_BYTES, 3);
  const dst = Buffer.alloc(CHUNK);
  const rows: Row[] = [];
  rows.push(
    await timed('Buffer.copy loop (baseline)', FILE_BYTES, async () => {
      await eachChunk((pos) => src.copy(dst, 0, pos, pos + CHUNK));
    }),
  );

  const store = await filledStore();
  const buf = new Uint8Array(CHUNK);
  const warm = cacheOf();
  const warmFile = warm.createMapping(store, 'warm');
  rows.push(
    await timed('buffered read, cache hits', FILE_BYTES, async () => {
      await eachChunk((pos) => bufferedRead(warmFile, pos, buf));
    }),
  );
  await warm.close();

  // A cache a quarter of the file, read sequentially: every page is a miss, every round.
  const cold = cacheOf({ cacheSize: 16 * MiB, readaheadMaxPages: 0 });
  const coldFile = cold.createMapping(store, 'cold');
  rows.push(
    await timed('buffered read, misses (no readahead)', FILE_BYTES, async () => {
      await eachChunk((pos) => bufferedRead(coldFile, pos, buf));
    }),
  );
  await cold.close();

  // One cache and one store for every round, as in a mounted instance: steady state, not first touch.
  const payload = new Uint8Array(CHUNK).fill(9);
  const writeCache = cacheOf();
  const writeStore = new MemoryStore();
  rows.push(
    await timed('buffered write + fsync', FILE_BYTES, async () => {
      const file = writeCache.createMapping(writeStore, 'written');
      await eachChunk((pos) => bufferedWrite(file, pos, payload));
      await fsync(file);
      writeCache.releaseMapping(file);
    }),
  );
  await writeCache.close();

  const dio = cacheOf();
  const dioFile = dio.createMapping(store, 'direct');
  rows.push(
    await timed('direct read', FILE_BYTES, async () => {
      await eachChunk((pos) => directRead(dioFile, pos, buf));
    }),
  );
  rows.push(
    await timed('direct write (locked)', FILE_BYTES, async () => {
      await eachChunk((pos) => directWrite(dioFile, pos, payload));
    }),
  );
  await dio.close();

  const baseline = rows[0]!.mbps;
  console.log(`chunk ${CHUNK / 1024} KiB, file ${FILE_BYTES / MiB} MiB, page ${PAGE_SIZE} B, node ${process.version}`);
  console.log(`${'case'.padEnd(40)} ${'MB/s'.padStart(10)} ${'ratio'.padStart(8)}`);
  for (const row of rows) console.log(`${row.name.padEnd(40)} ${row.mbps.toFixed(0).padStart(10)} ${(row.mbps / baseline).toFixed(3).padStart(8)}`);
}

await main();
