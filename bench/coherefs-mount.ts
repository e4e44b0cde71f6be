/** Mounting a coherefs image with the CLI's foreground daemon (`coherefs mount -f`) as a child process. */
import { startDaemonMount, type DaemonMount } from '../src/util/daemon-mount.js';
import { projectFile } from '../src/util/project-file.js';

/**
 * Mount `image` with `-o options` on a fresh mktemp mountpoint (or `mountpoint`). COHEREFS_TRANSPORT
 * (libfuse or kernel) picks the transport where `options` does not, so one suite runs on either.
 */
export function mountCoherefs(image: string, options = 'cache_size=64M', mountpoint?: string): Promise<DaemonMount> {
  const transport = process.env.COHEREFS_TRANSPORT;
  const all = transport && !options.includes('transport=') ? `${options},transport=${transport}` : options;
  return startDaemonMount({
    command: process.execPath,
    args: [projectFile('dist/src/cli/main.js'), 'mount', image, '{mountpoint}', '-f', '-o', all],
    ...(mountpoint !== undefined ? { mountpoint } : {}),
  });
}
