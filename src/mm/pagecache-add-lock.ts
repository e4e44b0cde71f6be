/**
 * PagecacheAddLock: bcachefs's two_state_shared_lock, one per mapping.
 *
 * Two shared sides that exclude each other: *add* (anything that puts pages into the cache) and
 * *block* (anything that bypasses it). The state is one signed counter, add holders counting -1 and
 * block holders +1 as in bcachefs, plus a FIFO wait queue. Unlike the kernel's, the lock is fair:
 * once a waiter is queued, newcomers of either side queue behind it, so a stream of faults cannot
 * starve a direct write (Jan Kara's objection) nor the reverse. The one exception: a task that
 * already holds the lock's current side takes it again at once, so same-side recursion (a buffered
 * write faulting on its own file) never deadlocks behind a queued waiter. There is no owner: any
 * task may release a hold (a direct IO may complete elsewhere).
 */
import { current, noteLockActivity, tasksUsingLocks, type Task } from './task.js';

export type LockSide = 'add' | 'block';

export interface LockWaitStats {
  lockWaits: Record<LockSide, number>;
  lockWaitMs: Record<LockSide, number>;
}

interface Waiter {
  side: LockSide;
  task: Task;
  since: number;
  wake: () => void;
}

const DELTA: Record<LockSide, number> = { add: -1, block: 1 };

export class PagecacheAddLock {
  /** < 0: that many add holders; > 0: that many block holders; 0: free. */
  private count = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly name: string,
    private readonly stats: LockWaitStats,
  ) {}

  /** Context: may sleep until no task holds the block side and no waiter is queued ahead. */
  addGet(): Promise<void> {
    return this.get('add');
  }
  /** Context: never sleeps. */
  addTryGet(): boolean {
    return this.tryGet('add');
  }
  addPut(): void {
    this.put('add');
  }
  /** Context: may sleep until no task holds the add side and no waiter is queued ahead. */
  blockGet(): Promise<void> {
    return this.get('block');
  }
  /** Context: never sleeps. */
  blockTryGet(): boolean {
    return this.tryGet('block');
  }
  blockPut(): void {
    this.put('block');
  }
  /**
   * Run `work` holding the block side (bch2_pagecache_block_get() ... _put() around a change of the
   * file below its cache: truncate, fallocate, evict).
   * Context: takes and releases the block side; the caller holds no side of this lock.
   */
  async withBlockSide<T>(work: () => Promise<T>): Promise<T> {
    await this.blockGet();
    try {
      return await work();
    } finally {
      this.blockPut();
    }
  }

  /** The side currently held, or null when free. */
  get heldSide(): LockSide | null {
    return this.count < 0 ? 'add' : this.count > 0 ? 'block' : null;
  }

  get holders(): number {
    return Math.abs(this.count);
  }

  /** The queue, oldest first (for the watchdog). */
  get queued(): readonly { side: LockSide; task: Task; since: number }[] {
    return this.waiters;
  }

  /** Take `side` without sleeping: a recursive take, or a free-enough lock with nobody queued. */
  tryGet(side: LockSide): boolean {
    const task = current();
    const recursive = (task.held.get(this) ?? 0) > 0 && this.heldSide === side;
    if (!recursive && (this.waiters.length > 0 || this.heldSide === other(side))) return false;
    this.take(task, side);
    return true;
  }

  async get(side: LockSide): Promise<void> {
    if (this.tryGet(side)) return;
    const task = current();
    const since = performance.now();
    this.stats.lockWaits[side]++;
    task.waitingFor = { lock: this, side, since };
    noteLockActivity(task);
    await new Promise<void>((wake) => this.waiters.push({ side, task, since, wake }));
    this.stats.lockWaitMs[side] += performance.now() - since;
  }

  put(side: LockSide): void {
    if (this.heldSide !== side) throw new Error(`${this.name}: ${side} put while ${this.heldSide ?? 'free'}`);
    this.count -= DELTA[side];
    this.dropHold(current());
    if (this.count === 0) this.wakeWaiters();
  }

  /** Grant the head of the queue and every waiter of the same side right behind it. */
  private wakeWaiters(): void {
    const side = this.waiters[0]?.side;
    while (this.waiters.length > 0 && this.waiters[0]!.side === side) {
      const waiter = this.waiters.shift()!;
      waiter.task.waitingFor = null;
      this.take(waiter.task, waiter.side);
      waiter.wake();
    }
  }

  private take(task: Task, side: LockSide): void {
    this.count += DELTA[side];
    task.held.set(this, (task.held.get(this) ?? 0) + 1);
    noteLockActivity(task);
  }

  /** Ownerless release: charge the releasing task if it holds this lock, else any holder. */
  private dropHold(releaser: Task): void {
    let holder: Task | undefined = releaser.held.has(this) ? releaser : undefined;
    for (const task of tasksUsingLocks()) if (!holder && task.held.has(this)) holder = task;
    if (!holder) return;
    const n = holder.held.get(this)! - 1;
    if (n > 0) holder.held.set(this, n);
    else holder.held.delete(this);
    noteLockActivity(holder);
  }
}

function other(side: LockSide): LockSide {
  return side === 'add' ? 'block' : 'add';
}
