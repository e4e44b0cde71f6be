/**
 * Task: the caller's context, our task_struct, carried across awaits by AsyncLocalStorage.
 *
 * It holds what bcachefs hangs off the task: faults_disabled_mapping and its "locks were dropped"
 * bit (kept here as a separate field), plus the pagecache_add_locks the task holds (so a task may
 * retake a side it already holds without queueing) and the lock it waits for (for the watchdog).
 * A task started on behalf of a user thread (a FUSE request's caller) carries that thread's id, so
 * the watchdog and the stats name the real task; background work (the flusher, readahead) is a
 * kernel thread's and carries none.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Mapping } from './mapping.js';
import { epochEnter, epochExit, type Epoch } from './page-recycler.js';
import type { LockSide, PagecacheAddLock } from './pagecache-add-lock.js';

let nextTaskId = 1;

/** The user thread the work in this async context is done for (set per FUSE request). */
const callers = new AsyncLocalStorage<number>();

export class Task {
  readonly id = nextTaskId++;
  /** The user thread this task works for (task_struct's pid: a thread id), or null for a kernel thread's work. */
  readonly pid: number | null = callers.getStore() || null;
  /** Set by a direct write only around pinning its source pages: the fault handler reads it. */
  faultsDisabledMapping: Mapping | null = null;
  /** Set by the fault handler when it dropped and retook the direct write's block side. */
  fdmDroppedLocks = false;
  /** Holds taken by this task, per lock (on whichever side that lock is currently held). */
  readonly held = new Map<PagecacheAddLock, number>();
  /** The lock side this task sleeps on, if any. */
  waitingFor: { lock: PagecacheAddLock; side: LockSide; since: number } | null = null;
  /** The recycler's epoch this task counts in while it runs (its RCU read-side section). */
  epoch: Epoch | null = null;

  constructor(readonly name: string) {}

  toString(): string {
    return this.pid === null ? `${this.name}#${this.id}` : `${this.name}#${this.id} (pid ${this.pid})`;
  }
}

const storage = new AsyncLocalStorage<Task>();
/** Tasks that hold or wait for a lock: the lock registry's other half, read by the watchdog. */
const lockingTasks = new Set<Task>();
/** Work done outside any task runs as this one (the kernel's init_task). */
const initTask = new Task('init');

/** The running task (the kernel's `current`). */
export function current(): Task {
  return storage.getStore() ?? initTask;
}

/**
 * Run fn on behalf of user thread `pid` (a FUSE request header's pid; 0, the kernel's own requests,
 * counts as none): the tasks it starts carry that pid, as a system call runs as `current`.
 */
export function onBehalfOf<T>(pid: number, fn: () => T): T {
  return callers.run(pid, fn);
}

/** Run fn as a kernel thread's work, for no user thread: the tasks it starts carry no pid. */
export function asKernelThread<T>(fn: () => T): T {
  return callers.exit(fn);
}

/** Run fn as a new named task (for the user thread of the current context, if any); everything it awaits runs as that task. */
export function runTask<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const task = new Task(name);
  return storage.run(task, async () => {
    task.epoch = epochEnter();
    try {
      return await fn();
    } finally {
      epochExit(task.epoch);
      // Work the task left running (a timer, a promise nobody awaited) still sees it as current:
      // without an epoch it counts as ended, and inTask() gives that work a task of its own.
      task.epoch = null;
    }
  });
}

/**
 * mirrors rcu_quiescent_state(): the running task holds no page at this point, so pages evicted
 * before may be reused without waiting for it to end. Only for a task's own top-level loop that
 * runs long (the flusher): every frame of the task, callers included, must hold no page.
 */
export function quiescentState(): void {
  const task = storage.getStore();
  if (!task?.epoch) return;
  epochExit(task.epoch);
  task.epoch = epochEnter();
}

/** Run fn in the current task, or as a new task named `name` when called outside any running task. */
export function inTask<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return storage.getStore()?.epoch ? fn() : runTask(name, fn);
}

export function noteLockActivity(task: Task): void {
  if (task.held.size > 0 || task.waitingFor) lockingTasks.add(task);
  else lockingTasks.delete(task);
}

export function tasksUsingLocks(): Iterable<Task> {
  return lockingTasks;
}
