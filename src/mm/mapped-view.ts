/**
 * MappedView: an in-process mmap of [offset, offset+length) of a file. Its "page table" is the
 * mapping itself: a page is mapped for reading when it is cached and uptodate, for writing when it
 * is also dirty (a clean page is write-protected, so the first store goes through page_mkwrite).
 * Accesses to anything else go through the fault handler, as loads and stores do in the kernel.
 */
import { pageFault, pageMkwrite } from './fault.js';
import type { Mapping } from './mapping.js';
import { PAGE_SIZE, type Page } from './page.js';
import { inTask } from './task.js';
import { check } from '../util/errno.js';

export class MappedView {
  constructor(
    readonly mapping: Mapping,
    readonly offset: number,
    readonly length: number,
  ) {}

  /** The page behind view byte `off` if it is mapped for this access, else null (would fault). */
  residentPage(off: number, write: boolean): Page | null {
    const page = this.mapping.pages.get(Math.floor((this.offset + off) / PAGE_SIZE));
    if (!page?.attached || !page.uptodate) return null;
    if (write && (!page.dirty || page.writeback)) return null;
    return page;
  }

  /**
   * handle_mm_fault() for view byte `off`: a read fault or a write fault (page_mkwrite). Runs in
   * the accessing task (a direct write pinning its source is one), or as a task of its own.
   */
  fault(off: number, write: boolean): Promise<void> {
    const index = Math.floor((this.offset + off) / PAGE_SIZE);
    return inTask('page-fault', () => (write ? pageMkwrite(this.mapping, index) : pageFault(this.mapping, index)));
  }

  /** A load of dst.length bytes at `off`, faulting pages in as needed. */
  async read(off: number, dst: Uint8Array): Promise<void> {
    await this.access(off, dst, false);
  }

  /** A store of src at `off`, faulting pages in (and dirtying them) as needed. */
  async write(off: number, src: Uint8Array): Promise<void> {
    await this.access(off, src, true);
  }

  private async access(off: number, bytes: Uint8Array, write: boolean): Promise<void> {
    check(Number.isSafeInteger(off) && off >= 0 && off + bytes.length <= this.length, 'EFAULT', 'access outside the view');
    let done = 0;
    while (done < bytes.length) {
      const page = this.residentPage(off + done, write);
      if (!page) {
        await this.fault(off + done, write);
        continue;
      }
      const inPage = (this.offset + off + done) % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, bytes.length - done);
      if (write) page.data.set(bytes.subarray(done, done + n), inPage);
      else bytes.set(page.data.subarray(inPage, inPage + n), done);
      done += n;
    }
  }
}
