/** Mounting the ceiling daemon (compiled: dist/bench/ceiling-daemon.js) as a child process. */
import { startDaemonMount, type DaemonMount } from '../src/util/daemon-mount.js';
import { projectFile } from '../src/util/project-file.js';

/** The in-memory ceiling. */
export function mountCeiling(): Promise<DaemonMount> {
  return startDaemonMount({ command: process.execPath, args: [projectFile('dist/bench/ceiling-daemon.js'), '{mountpoint}'] });
}
