/** Guards the intrusive page list under the LRU and the dirty list: order, removal, moves, one list per page. */
import { describe, expect, it } from 'vitest';
import { PageCache } from '../../src/mm/api.js';
import { Page } from '../../src/mm/page.js';
import { PageList } from '../../src/mm/page-list.js';
import { MemoryStore } from '../../src/mm/memory-store.js';

function pages(n: number): Page[] {
  const mapping = new PageCache({ cacheSize: 1 << 20 }).createMapping(new MemoryStore());
  return Array.from({ length: n }, (_, i) => new Page(mapping, i, new Uint8Array(0)));
}

const indexes = (list: PageList): number[] => [...list].map((page) => page.index);

describe('PageList', () => {
  it('keeps insertion order, removes from head, middle and tail, and moves a page to the tail', () => {
    const [a, b, c, d] = pages(4) as [Page, Page, Page, Page];
    const list = new PageList();
    for (const page of [a, b, c, d]) list.addTail(page);
    expect(indexes(list)).toEqual([0, 1, 2, 3]);
    list.moveToTail(b);
    expect(indexes(list)).toEqual([0, 2, 3, 1]);
    list.remove(a);
    list.remove(d);
    expect(indexes(list)).toEqual([2, 1]);
    expect(list.first).toBe(c);
    list.remove(b);
    list.remove(c);
    expect([list.size, list.first, indexes(list)]).toEqual([0, null, []]);
    list.addTail(d);
    expect(indexes(list)).toEqual([3]);
  });

  it('lets the visited page be removed while iterating, and refuses a page on two lists', () => {
    const all = pages(5);
    const list = new PageList();
    for (const page of all) list.addTail(page);
    for (const page of list) if (page.index % 2 === 0) list.remove(page);
    expect(indexes(list)).toEqual([1, 3]);
    expect(list.size).toBe(2);
    const other = new PageList();
    expect(() => other.addTail(all[1]!)).toThrow(/already on a list/);
    expect(() => other.remove(all[1]!)).toThrow(/not on this list/);
  });
});
