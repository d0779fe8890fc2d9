import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // two cores here; each worker may hold a vmlinux's tables
    maxWorkers: 2,
  },
});
