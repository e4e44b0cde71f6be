/**
 * The wait-for reporter: who holds which side of which mapping's pagecache_add_lock, who waits for
 * what, and whether the waits form a cycle (a deadlock, which no lockdep would otherwise show).
 */
import type { Mapping } from './mapping.js';
import type { LockSide } from './pagecache-add-lock.js';
import { tasksUsingLocks, type Task } from './task.js';

/** A task as the report names it; pid is the user thread it works for (null: a kernel thread's work). */
export interface TaskName {
  task: string;
  pid: number | null;
}

export interface LockReport {
  lock: string;
  state: LockSide | 'free';
  holders: (TaskName & { holds: number })[];
  waiters: (TaskName & { side: LockSide; waitedMs: number })[];
}

export interface WaitForReport {
  locks: LockReport[];
  /** The tasks of a wait-for cycle, each waiting for the next (the last for the first), or null. */
  deadlock: string[] | null;
  /** The same, as lines a person reads. */
  text: string;
}

export function reportWaitFor(mappings: Iterable<Mapping>): WaitForReport {
  const now = performance.now();
  const locks: LockReport[] = [];
  const waitsFor = new Map<Task, Set<Task>>();
  for (const { lock } of mappings) {
    const holders = [...tasksUsingLocks()].filter((task) => task.held.has(lock));
    const queue = lock.queued;
    if (holders.length === 0 && queue.length === 0) continue;
    locks.push({
      lock: lock.name,
      state: lock.heldSide ?? 'free',
      holders: holders.map((task) => ({ task: String(task), pid: task.pid, holds: task.held.get(lock)! })),
      waiters: queue.map((w) => ({ task: String(w.task), pid: w.task.pid, side: w.side, waitedMs: Math.round(now - w.since) })),
    });
    queue.forEach((waiter, position) => {
      const blockers = waitsFor.get(waiter.task) ?? new Set<Task>();
      if (waiter.side !== lock.heldSide) for (const holder of holders) blockers.add(holder);
      for (const ahead of queue.slice(0, position)) if (ahead.side !== waiter.side) blockers.add(ahead.task);
      waitsFor.set(waiter.task, blockers);
    });
  }
  const cycle = findCycle(waitsFor);
  const lines = locks.map((l) => {
    const held = l.holders.map((h) => `${h.task}×${h.holds}`).join(', ') || '-';
    const waiting = l.waiters.map((w) => `${w.task} (${w.side}, ${w.waitedMs} ms)`).join(', ') || '-';
    return `${l.lock}: ${l.state} held by ${held}; waiting: ${waiting}`;
  });
  const deadlock = cycle?.map(String) ?? null;
  if (deadlock) lines.push(`DEADLOCK: ${[...deadlock, deadlock[0]].join(' -> waits for -> ')}`);
  return { locks, deadlock, text: lines.join('\n') };
}

function findCycle(edges: Map<Task, Set<Task>>): Task[] | null {
  const done = new Set<Task>();
  const visit = (task: Task, path: Task[]): Task[] | null => {
    const at = path.indexOf(task);
    if (at >= 0) return path.slice(at);
    if (done.has(task)) return null;
    for (const next of edges.get(task) ?? []) {
      const cycle = visit(next, [...path, task]);
      if (cycle) return cycle;
    }
    done.add(task);
    return null;
  };
  for (const task of edges.keys()) {
    const cycle = visit(task, []);
    if (cycle) return cycle;
  }
  return null;
}
