/**
 * Guards the CLI in a pipeline whose reader stops early (`coherefs stats | head`): the write into
 * the closed pipe (EPIPE) ends nothing but the output. The command finishes with its own exit code
 * and no stack trace. Runs the built CLI with its stdout's reader closed before it prints.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkfs } from '../../src/fs/api.js';
import { projectFile } from '../../src/util/project-file.js';
import { tempDirPerTest } from '../fs/helpers.js';

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [projectFile('dist/src/cli/main.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('coherefs with a closed stdout', () => {
  const dir = tempDirPerTest('coherefs-epipe-');

  it('fsck of a clean image still exits 0, with nothing on stderr', async () => {
    const image = join(dir(), 'disk.img');
    await mkfs(image, { size: 64 * 2 ** 20 });
    const result = await runWithClosedStdout(['fsck', image]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('mkfs creates its image and exits 0', async () => {
    const result = await runWithClosedStdout(['mkfs', join(dir(), 'new.img'), '--size', '64M']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
