/**
 * PageList: an intrusive list of pages (struct list_head through folio->lru). The links live in
 * the Page, so adding, removing and moving a page cost a few pointer writes, with no map to look
 * the page up in. A page is on at most one list at a time: the cache's LRU while it is evictable,
 * or its mapping's dirty list while it is dirty (a dirty page is never evictable).
 */
import type { Page } from './page.js';

export class PageList implements Iterable<Page> {
  private head: Page | null = null;
  private tail: Page | null = null;
  size = 0;

  /** The page at the head (the oldest), if any. */
  get first(): Page | null {
    return this.head;
  }

  has(page: Page): boolean {
    return page.list === this;
  }

  /** mirrors list_add_tail(). The page must be on no list. */
  addTail(page: Page): void {
    if (page.list) throw new Error(`page ${page.index} is already on a list`);
    page.list = this;
    page.prev = this.tail;
    page.next = null;
    if (this.tail) this.tail.next = page;
    else this.head = page;
    this.tail = page;
    this.size++;
  }

  /** mirrors list_del(). The page must be on this list. */
  remove(page: Page): void {
    if (page.list !== this) throw new Error(`page ${page.index} is not on this list`);
    if (page.prev) page.prev.next = page.next;
    else this.head = page.next;
    if (page.next) page.next.prev = page.prev;
    else this.tail = page.prev;
    page.list = page.prev = page.next = null;
    this.size--;
  }

  /** mirrors list_move_tail(): the page becomes the youngest. */
  moveToTail(page: Page): void {
    if (this.tail === page) return;
    this.remove(page);
    this.addTail(page);
  }

  /** Oldest first; the page being visited may be removed, but not its successor. */
  *[Symbol.iterator](): Iterator<Page> {
    for (let page = this.head; page; ) {
      const next: Page | null = page.next;
      yield page;
      page = next;
    }
  }
}
