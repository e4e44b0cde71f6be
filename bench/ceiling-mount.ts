/** Mounting the ceiling daemon (compiled: dist/bench/ceiling-daemon.js) as a child process. */
import { startDaemonMount, type DaemonMount } from '../src/util/daemon-mount.js';
import { projectFile } from '../src/util/project-file.js';

/** The in-memory ceiling; with `hostDir`, the passthrough daemon keeping its files there. */
export function mountCeiling(hostDir?: string): Promise<DaemonMount> {
  const passthrough = hostDir === undefined ? [] : ['--passthrough', hostDir];
  return startDaemonMount({ command: process.execPath, args: [projectFile('dist/bench/ceiling-daemon.js'), '{mountpoint}', ...passthrough] });
}
