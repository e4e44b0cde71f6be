/**
 * The stats' lock report with each task's command name (/proc/PID/comm of the user thread it works
 * for), so `coherefs stats` names fio or dd, not only a pid. Only procfs is read: never the mount
 * this daemon serves.
 */
import type { LockReport, TaskName } from '../../mm/api.js';
import { commOf } from '../../util/procfs.js';

type Named<T extends TaskName> = T & { comm?: string };

async function named<T extends TaskName>(task: T): Promise<Named<T>> {
  if (task.pid === null) return task;
  const comm = await commOf(task.pid);
  return comm ? { ...task, comm } : task;
}

export async function withCommandNames(locks: LockReport[]): Promise<LockReport[]> {
  return Promise.all(locks.map(async (lock) => ({
    ...lock,
    holders: await Promise.all(lock.holders.map(named)),
    waiters: await Promise.all(lock.waiters.map(named)),
  })));
}
