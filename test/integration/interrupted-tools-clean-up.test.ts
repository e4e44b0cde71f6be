/**
 * Guards Ctrl-C and kill on the tools that mount: the fio bench runner (`make bench`) sent SIGINT as
 * a terminal sends it (to the whole foreground process group), and `coherefs demo race` sent SIGTERM
 * (to it alone: its workload processes see nothing) once their mounts are up, leave no mount, no
 * daemon, no process and no temporary file behind, and die of the signal. Ctrl-C during
 * `make bench` used to leave its mounts, daemons and hundreds of MB in /tmp: the daemons run in
 * process groups of their own, and the runner's `finally` never ran.
 * Each run gets a TMPDIR of its own, so "nothing left" is an empty directory.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forceUnmount } from '../../src/util/daemon-mount.js';
import { readMountinfo } from '../../src/util/mountinfo.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from './harness/require-fuse.js';

async function mountsUnder(dir: string): Promise<string[]> {
  return (await readMountinfo()).filter((mount) => mount.mountpoint.startsWith(`${dir}/`)).map((mount) => mount.mountpoint);
}

/** Processes whose command line names something in `dir`: daemons, fio, workload processes. */
async function processesUsing(dir: string): Promise<Array<{ pid: number; command: string }>> {
  const found: Array<{ pid: number; command: string }> = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const command = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    if (command.includes(dir)) found.push({ pid: Number(name), command });
  }
  return found;
}

/**
 * Runs `node ARGS` with TMPDIR=a fresh directory, waits until `isUp` (its mounts serve a workload),
 * sends `signal` to its process group (Ctrl-C) or to it alone (kill PID), and checks that it left
 * nothing behind.
 */
async function interruptOnceUp(args: string[], isUp: (tmp: string) => Promise<boolean>, mounts: number, signal: 'SIGINT' | 'SIGTERM', target: 'group' | 'process'): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'coherefs-sigint-'));
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('close', (code, signal) => resolve(signal ?? code)));
  try {
    await expect.poll(() => isUp(tmp), { timeout: 60_000, interval: 200 }).toBe(true);
    expect(await mountsUnder(tmp)).toHaveLength(mounts);
    process.kill(target === 'group' ? -child.pid! : child.pid!, signal);
    expect(await exited, stderr).toBe(signal);
    expect(stderr).toMatch(new RegExp(`${signal}: cleaning up`));
    expect(await mountsUnder(tmp)).toEqual([]);
    expect(await processesUsing(tmp)).toEqual([]);
    expect(await readdir(tmp)).toEqual([]);
  } finally {
    // Whatever the outcome, nothing of this test stays.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group has exited
    }
    for (const { pid } of await processesUsing(tmp)) process.kill(pid, 'SIGKILL');
    for (const mountpoint of await mountsUnder(tmp)) await forceUnmount(mountpoint);
    await rm(tmp, { recursive: true, force: true });
  }
}

const running = (what: RegExp) => async (tmp: string) => (await processesUsing(tmp)).some((p) => what.test(p.command));

describe.runIf(requireFuse())('tools interrupted by a signal clean up', () => {
  it('the fio bench runner, Ctrl-C: its 5 mounts (passthrough_ll\'s tmpfs among them), 4 daemons, images and scratch files', async () => {
    const bench = [projectFile('dist/bench/run-fio-bench.js'), '--runtime', '1', '--repeat', '1', '--size', '4M', '--cache-size', '16M', '--no-docs'];
    await interruptOnceUp(bench, running(/^fio /), 5, 'SIGINT', 'group');
  });

  it('coherefs demo race, SIGTERM to it alone: its mount, daemon, workload processes and image', async () => {
    const out = await mkdtemp(join(tmpdir(), 'coherefs-demo-out-'));
    try {
      const demo = [projectFile('dist/src/cli/main.js'), 'demo', 'race', '--seconds', '20', '--out', out];
      await interruptOnceUp(demo, running(/writer-process\.js/), 1, 'SIGTERM', 'process');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
