/** Mounting the ceiling daemon as a child process (compiled: dist/bench/ceiling-daemon.js). */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDaemonMount, type DaemonMount } from '../src/util/daemon-mount.js';

/** Next to this module once compiled; from the sources (vitest) the compiled copy under dist/. */
function ceilingDaemonScript(): string {
  for (const candidate of ['./ceiling-daemon.js', '../dist/bench/ceiling-daemon.js']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('dist/bench/ceiling-daemon.js is missing: run make build first');
}

export function mountCeiling(): Promise<DaemonMount> {
  return startDaemonMount({ command: process.execPath, args: [ceilingDaemonScript(), '{mountpoint}'] });
}
