/**
 * BackingStore: what the page cache needs from whatever lies below it, for one file.
 *
 * The kernel's page cache talks to a filesystem through address_space_operations (read_folio,
 * writepages, direct_IO) and the inode (i_size). This interface is that contract cut to what
 * coherefs needs, so that src/mm knows nothing of the image format: src/fs implements it per inode
 * over the image file, and memory-store.ts in memory (for the tests, the core bench and the deadlock demo).
 *
 * Offsets are bytes. Buffered IO calls read/write with whole pages (PAGE_SIZE-aligned position and
 * length); direct IO calls them with logical-block-aligned ranges (512 bytes by default). The memory
 * of a transfer is an IoVec: readahead and writeback pass their pages' frames as they are (the
 * bio_vecs of one bio), so a 128 KiB run moves with one call and no bounce copy.
 */
import type { IoVec } from '../util/iovec.js';

export interface BackingStore {
  /** i_size: the file's length in bytes. */
  size(): number;

  /**
   * Set i_size. Shrinking frees the blocks wholly past the new end; the bytes it cuts off read as
   * zeros if the file grows over them again. Growing leaves a hole. Callers hold the mapping's block
   * side (truncate) or add side (a buffered write that extends the file).
   */
  setSize(size: number): Promise<void>;

  /**
   * Grow i_size to `size` if it is smaller, never shrink it (write_end's i_size_write after a
   * buffered write past EOF). The store decides, in order with its other size changes, so two
   * writers extending the file at once cannot leave it at the lower of their ends.
   */
  extendSize(size: number): Promise<void>;

  /** Read [pos, pos + length of dst) into dst; holes and bytes past i_size read as zeros. */
  read(pos: number, dst: IoVec): Promise<void>;

  /**
   * Write src at pos, allocating blocks as needed. Does not change i_size unless the write ends past
   * it (a direct write that extends the file); writeback clamps its last page to i_size itself.
   * `reserved` blocks of the caller's reservations (see reserve()) pay for the blocks it allocates:
   * on success all of them are used up or given back; on failure the caller still holds them.
   * Fails with ENOSPC, EIO or EFBIG as FsError: the block map and i_size stay as they were (an
   * overwrite of allocated blocks that failed part way may have changed some of their bytes).
   */
  write(pos: number, src: IoVec, reserved?: number): Promise<void>;

  /**
   * Hold room for `blocks` blocks that dirty pages will need at writeback, and for the metadata that
   * will map them (bcachefs's bch2_disk_reservation_get(); ext4's delalloc reservation). Never sleeps;
   * fails with ENOSPC, holding nothing, when the room is not there: a buffered write learns of a full
   * filesystem in write(2), before it accepts a byte, not at a writeback nobody waits for.
   */
  reserve(blocks: number): void;

  /** Give back reserved blocks that will not be written (a dirty page truncated or dropped). */
  unreserve(blocks: number): void;

  /** Make everything written so far, data then metadata, durable (the fs half of fsync). */
  sync(): Promise<void>;

  /**
   * bmap: the device block that holds file block `index` (PAGE_SIZE units), or null for a hole.
   * Pages may cache it, as buffer heads do, so incoherence can damage the filesystem, not only data.
   */
  bmap(index: number): number | null;
}
