/**
 * iov_iter: the user buffer of a read or write, either plain memory (a Uint8Array, always
 * resident) or a MappedView of a file (resident only where its pages are mapped). Mirrors the
 * kernel helpers that prefault, copy without faulting, and pin user pages for direct IO.
 */
import { MappedView } from './mapped-view.js';
import { PAGE_SIZE, type Page } from './page.js';
import { FsError } from '../util/errno.js';

export type UserBuffer = Uint8Array | MappedView;

export function userBufferLength(buf: UserBuffer): number {
  return buf.length;
}

/** mirrors fault_in_iov_iter_readable(): bytes of [off, off+length) now resident for reading. */
export function faultInReadable(buf: UserBuffer, off: number, length: number): Promise<number> {
  return faultIn(buf, off, length, false);
}

/** mirrors fault_in_iov_iter_writeable(): bytes of [off, off+length) now resident for writing. */
export function faultInWriteable(buf: UserBuffer, off: number, length: number): Promise<number> {
  return faultIn(buf, off, length, true);
}

async function faultIn(buf: UserBuffer, off: number, length: number, write: boolean): Promise<number> {
  if (buf instanceof Uint8Array) return length;
  let done = 0;
  while (done < length) {
    if (!buf.residentPage(off + done, write)) {
      try {
        await buf.fault(off + done, write);
      } catch {
        return done;
      }
      continue;
    }
    done += Math.min(length - done, PAGE_SIZE - ((buf.offset + off + done) % PAGE_SIZE));
  }
  return done;
}

/** mirrors copy_from_user() under pagefault_disable(): bytes copied, short at a page not resident. */
export function copyFromUser(buf: UserBuffer, off: number, dst: Uint8Array): number {
  if (buf instanceof Uint8Array) {
    dst.set(buf.subarray(off, off + dst.length));
    return dst.length;
  }
  return copyView(buf, off, dst, false);
}

/** mirrors copy_to_user() under pagefault_disable(). */
export function copyToUser(buf: UserBuffer, off: number, src: Uint8Array): number {
  if (buf instanceof Uint8Array) {
    buf.set(src, off);
    return src.length;
  }
  return copyView(buf, off, src, true);
}

function copyView(view: MappedView, off: number, bytes: Uint8Array, toView: boolean): number {
  let done = 0;
  while (done < bytes.length) {
    const page = view.residentPage(off + done, toView);
    if (!page) break;
    const inPage = (view.offset + off + done) % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - inPage, bytes.length - done);
    if (toView) page.data.set(bytes.subarray(done, done + n), inPage);
    else bytes.set(page.data.subarray(inPage, inPage + n), done);
    done += n;
  }
  return done;
}

/** User pages pinned for a direct IO: the byte ranges in order, and the pages to unpin. */
export interface PinnedPages {
  bytes: number;
  segments: Uint8Array[];
  pages: Page[];
  /** Why pinning stopped short, if it did. */
  error: FsError | null;
  /** Pinned as the destination of a read: the pages are dirtied when unpinned. */
  dirty: boolean;
}

/**
 * mirrors bio_iov_iter_get_pages() / pin_user_pages(): pin [off, off+length) of buf, faulting in
 * what is not resident (a read fault for a write's source, page_mkwrite for a read's
 * destination). Stops at the first fault that fails; what was pinned before it stays pinned.
 * Context: may enter the fault handler, which reads current().faultsDisabledMapping.
 */
export async function pinUserPages(buf: UserBuffer, off: number, length: number, write: boolean): Promise<PinnedPages> {
  if (buf instanceof Uint8Array) return { bytes: length, segments: [buf.subarray(off, off + length)], pages: [], error: null, dirty: write };
  const pinned: PinnedPages = { bytes: 0, segments: [], pages: [], error: null, dirty: write };
  while (pinned.bytes < length) {
    const at = off + pinned.bytes;
    const page = buf.residentPage(at, write);
    if (!page) {
      try {
        await buf.fault(at, write);
      } catch (err) {
        pinned.error = err instanceof FsError ? err : new FsError('EFAULT', String(err));
        break;
      }
      continue;
    }
    const inPage = (buf.offset + at) % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - inPage, length - pinned.bytes);
    page.mapping.cache.pinPage(page);
    pinned.pages.push(page);
    pinned.segments.push(page.data.subarray(inPage, inPage + n));
    pinned.bytes += n;
  }
  return pinned;
}

/**
 * mirrors unpin_user_pages_dirty_lock(): a read's destination pages are dirtied as they are
 * unpinned. The store read filled their frames behind the cache's back, and a writeback that ran
 * meanwhile may have cleaned them, which would lose those bytes.
 */
export function unpinUserPages(pinned: PinnedPages): void {
  for (const page of pinned.pages) {
    const { cache } = page.mapping;
    if (pinned.dirty && page.attached) cache.markPageDirty(page);
    cache.unpinPage(page);
  }
  pinned.pages.length = 0;
}
