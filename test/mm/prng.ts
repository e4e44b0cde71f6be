/** A small seeded PRNG (mulberry32) so that a failing random test can be replayed from its seed. */
export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (items) => items[Math.floor(next() * items.length)]! };
}

/** The seed for this run: COHEREFS_SEED if set, else a fresh one (printed by the tests on failure). */
export function testSeed(): number {
  return process.env.COHEREFS_SEED ? Number(process.env.COHEREFS_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
}

/** Let every runnable task proceed (a few event-loop turns). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
