import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real-mount tests share /dev/fuse and the two cores: run files one at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
