/**
 * Undoing what a tool set up when it is interrupted. Whatever outlives a step (a mount and its daemon,
 * a temporary directory) registers how to undo it; SIGINT, SIGTERM or SIGHUP then runs the registered
 * cleanups, newest first, and ends the process as the signal would have. Without this, Ctrl-C ended
 * `make bench` at once: its daemons run in their own process groups and never saw the signal, and its
 * `finally` blocks never ran, so mounts, daemons and temporary files stayed behind.
 */
import { constants } from 'node:os';

type Cleanup = () => Promise<unknown> | unknown;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const cleanups: Cleanup[] = [];
let cleaning = false;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (cleaning) return;
  cleaning = true;
  process.stderr.write(`\n${signal}: cleaning up (mounts, daemons, temporary files)...\n`);
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      process.stderr.write(`cleanup failed: ${(err as Error).message}\n`);
    }
  }
  for (const each of SIGNALS) process.removeListener(each, onSignal);
  // Die of the signal, as without a handler (a shell or make sees the interruption); if someone else
  // still listens for it, the signal would not end the process: exit with the shell's code for it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  else process.exit(128 + constants.signals[signal]);
}

/**
 * Never settles while a signal's cleanup runs (that cleanup ends the process), else resolves at once.
 * A tool awaits it before it exits on an error, since the error may be the signal's doing (children
 * that died of the same Ctrl-C): exiting then would cut the cleanup short.
 */
export function untilCleanedUp(): Promise<void> {
  return cleaning ? new Promise<void>(() => undefined) : Promise.resolve();
}

/** Run `cleanup` if a signal ends the process before the returned function is called (once done). */
export function cleanUpOnSignal(cleanup: Cleanup): () => void {
  if (cleanups.length === 0 && !cleaning) for (const signal of SIGNALS) process.on(signal, onSignal);
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.indexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
    // With nothing left to undo, a signal ends the process as it would without this module.
    if (cleanups.length === 0 && !cleaning) for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
}
