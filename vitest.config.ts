import { defineConfig } from 'vitest/config';

// The project's own tests (npm test). Plan runs use their own inline config in harness/run.ts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
