/** Helpers for tests on real image files: temp dirs, hashing, running the built CLI. */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'coherefs-fs-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Damage one byte of a file in place (XOR 0x5a). */
export async function flipByte(path: string, pos: number): Promise<void> {
  const handle = await open(path, 'r+');
  const buf = Buffer.alloc(1);
  await handle.read(buf, 0, 1, pos);
  buf[0] ^= 0x5a;
  await handle.write(buf, 0, 1, pos);
  await handle.close();
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Run `coherefs ARGS` from dist/ (built by `make test` before vitest runs). */
export function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/cli/main.js', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
