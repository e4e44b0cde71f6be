/**
 * Lock assertions (the kernel's lockdep_assert_held()): a function whose `Context:` says its caller
 * holds a side of a mapping's pagecache_add_lock checks, on entry, that the running task does.
 * On under tests (vitest sets VITEST) or with COHEREFS_LOCKDEP=1; otherwise assertHeld is an
 * empty function, which V8 inlines to nothing on the hot paths.
 */
import type { LockSide, PagecacheAddLock } from './pagecache-add-lock.js';
import { current } from './task.js';

export const lockChecksEnabled = Boolean(process.env.VITEST) || process.env.COHEREFS_LOCKDEP === '1';

/** A function was called without the lock side its `Context:` requires: a bug in the caller. */
export class LockNotHeld extends Error {
  constructor(lock: PagecacheAddLock, side: LockSide) {
    super(`${current()} does not hold the ${side} side of ${lock.name} (held: ${lock.heldSide ?? 'free'})`);
    this.name = 'LockNotHeld';
  }
}

function checkHeld(lock: PagecacheAddLock, side: LockSide): void {
  if (lock.heldSide !== side || !current().held.has(lock)) throw new LockNotHeld(lock, side);
}

function skipCheck(): void {}

/** mirrors lockdep_assert_held(): throws LockNotHeld unless the running task holds `side` of `lock`. */
export const assertHeld: (lock: PagecacheAddLock, side: LockSide) => void = lockChecksEnabled ? checkHeld : skipCheck;
