/** Guards the rule that real-mount tests never skip in silence: skip locally with a reason, fail in CI. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { fuseMissing, requireFuse } from './harness/require-fuse.js';

describe('requireFuse', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('fails loudly under CI when FUSE is missing', () => {
    vi.stubEnv('CI', 'true');
    expect(() => requireFuse('/dev/fuse is missing')).toThrow(/cannot run in CI: \/dev\/fuse is missing/);
  });

  it('skips with a printed reason outside CI', () => {
    vi.stubEnv('CI', '');
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(requireFuse('fusermount is not on PATH')).toBe(false);
    expect(write).toHaveBeenCalledWith(expect.stringContaining('skipping real-mount tests: fusermount is not on PATH'));
    write.mockRestore();
  });

  it.runIf(existsSync('/dev/fuse'))('names fusermount when it is not on PATH', () => {
    vi.stubEnv('PATH', '/nonexistent');
    expect(fuseMissing()).toMatch(/fusermount/);
  });
});
