/** Guards the page tree behind each mapping: lookups, node reuse after a node emptied, iteration, huge indexes. */
import { describe, expect, it } from 'vitest';
import { PageCache } from '../../src/mm/api.js';
import { Page } from '../../src/mm/page.js';
import { PageTree } from '../../src/mm/page-tree.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

const mapping = new PageCache({ cacheSize: 1 << 20 }).createMapping(new MemoryStore());
const page = (index: number): Page => new Page(mapping, index, new Uint8Array(0));
const indexes = (tree: PageTree): number[] => [...tree.values()].map((p) => p.index).sort((a, b) => a - b);

describe('PageTree', () => {
  it('finds what was stored, across nodes, and forgets what was erased', () => {
    const tree = new PageTree();
    const stored = [0, 1, 63, 64, 65, 1000, 2 ** 32 - 1].map(page);
    for (const p of stored) tree.set(p.index, p);
    for (const p of stored) expect(tree.get(p.index)).toBe(p);
    expect([tree.has(2), tree.get(62), tree.size]).toEqual([false, undefined, 7]);
    tree.delete(64);
    tree.delete(64);
    expect([tree.get(64), tree.get(65)?.index, tree.size]).toEqual([undefined, 65, 6]);
    expect(indexes(tree)).toEqual([0, 1, 63, 65, 1000, 2 ** 32 - 1]);
  });

  it('refuses a second page in one slot', () => {
    const tree = new PageTree();
    tree.set(7, page(7));
    expect(() => tree.set(7, page(7))).toThrow(/already/);
  });

  it('stores into a live node after the node of the last lookup emptied and was freed', () => {
    const tree = new PageTree();
    tree.set(5, page(5));
    tree.delete(5);
    const again = page(6);
    tree.set(6, again);
    tree.get(500);
    expect(tree.get(6)).toBe(again);
    expect(indexes(tree)).toEqual([6]);
  });
});
