/**
 * Guards the race demonstration end to end, in its short CI form: `coherefs demo race --seconds 2`
 * on real mounts must find stale reads without the lock (none, and evict with its fault injection),
 * none with it (locked), leave every image fsck-clean, write the plot, and unmount everything. As
 * root it runs on the kernel transport, where the mmap readers keep one MAP_SHARED map open.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RaceResult } from '../../src/demo/api.js';
import { findMount } from '../../src/util/mountinfo.js';
import { projectFile } from '../../src/util/project-file.js';
import { requireFuse } from '../integration/harness/require-fuse.js';

const run = promisify(execFile);

describe.runIf(requireFuse())('coherefs demo race (short form)', () => {
  let out: string;
  let result: RaceResult & { ok: boolean; plot: { svg: string; png: string } };
  let exitCode: number;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'coherefs-demo-test-'));
    const args = [projectFile('dist/src/cli/main.js'), 'demo', 'race', '--seconds', '2', '--json', '--out', out];
    const { stdout, code } = await run(process.execPath, args, { maxBuffer: 64 << 20 })
      .then(({ stdout }) => ({ stdout, code: 0 }))
      .catch((err: { stdout: string; code: number }) => ({ stdout: err.stdout, code: err.code }));
    exitCode = code;
    result = JSON.parse(stdout) as typeof result;
  }, 120_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const staleIn = (mode: string) => result.modes.find((m) => m.mode === mode)!.rows.reduce((sum, row) => sum + row.staleReads, 0);

  it('runs every mode with both reader kinds, doing real IO', () => {
    expect(result.transport).toBe(process.getuid?.() === 0 ? 'kernel' : 'libfuse');
    expect(result.workload.sharedMaps).toBe(result.transport === 'kernel');
    expect(result.modes.map((m) => m.mode)).toEqual(['none', 'evict', 'locked']);
    for (const { rows } of result.modes) {
      expect(rows.map((row) => row.readers)).toEqual(['buffered', 'mmap']);
      for (const row of rows) {
        expect(row.writes).toBeGreaterThan(0);
        expect(row.reads).toBeGreaterThan(0);
        expect(row.tornReads).toBe(0);
      }
    }
  });

  it('shows stale reads without the lock and none with it', () => {
    expect(result.dioEvictDelayMs).toBeGreaterThan(0);
    expect(staleIn('none')).toBeGreaterThan(0);
    expect(staleIn('evict')).toBeGreaterThan(0);
    expect(staleIn('locked')).toBe(0);
    expect(result.ok).toBe(true);
    expect(exitCode).toBe(0);
  });

  it('leaves every image fsck-clean', () => {
    for (const { fsck } of result.modes) expect(fsck).toEqual({ clean: true, problems: [] });
  });

  it('writes the plot as SVG and PNG', async () => {
    expect(await readFile(result.plot.svg, 'utf8')).toMatch(/^<svg/);
    expect((await readFile(result.plot.png)).subarray(1, 4).toString()).toBe('PNG');
    expect((await stat(join(out, 'race.json'))).size).toBeGreaterThan(0);
  });

  it('leaves nothing mounted', async () => {
    for (const { mountpoint } of result.modes) expect(await findMount(mountpoint)).toBeUndefined();
  });
});
