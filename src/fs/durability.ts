/**
 * Durability: when what the namespace and the stores changed in memory reaches the image. fsync and
 * sync commit the running transaction, the commit timer commits what nobody fsync'd, and unmount
 * writes a final checkpoint and lets the image go.
 */
import type { ImageDevice } from './device.js';
import type { ImageLock } from './image-lock.js';
import type { Journal } from './journal.js';
import type { Metadata } from './metadata.js';
import { check } from '../util/errno.js';
import type { Logger } from '../util/logger.js';

export class Durability {
  private timer: NodeJS.Timeout | null = null;
  private mounted = true;

  constructor(
    private readonly device: ImageDevice,
    private readonly journal: Journal,
    private readonly meta: Metadata,
    private readonly lock: ImageLock | null,
  ) {}

  /** Commit every `intervalMs` while there are changes (mirrors jbd2's commit timer, j_commit_interval). */
  startCommitTimer(intervalMs: number, logger?: Logger): void {
    this.timer = setInterval(() => {
      if (this.journal.hasChanges) this.journal.commit().catch((err: Error) => logger?.error({ err }, 'background commit failed'));
    }, intervalMs);
    this.timer.unref();
  }

  /**
   * fsync: this filesystem commits everything, so one file's fsync is a full commit (mirrors
   * ext4_sync_file() forcing a jbd2 commit). Context: waits behind commits in flight; may sleep.
   */
  fsync(ino: number): Promise<void> {
    this.meta.inode(ino);
    return this.journal.commit();
  }

  sync(): Promise<void> {
    return this.journal.commit();
  }

  /**
   * Stop the commit timer, write a final checkpoint, close the device.
   * Context: releases the image lock.
   */
  async unmount(): Promise<void> {
    check(this.mounted, 'EINVAL', 'not mounted');
    this.mounted = false;
    if (this.timer) clearInterval(this.timer);
    try {
      await this.journal.checkpoint();
    } finally {
      await this.device.close();
      await this.lock?.release();
    }
  }
}
