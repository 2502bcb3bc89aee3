import { defineProject } from 'vitest/config';

// End-to-end: real `next build`, `next start`, Redis and Chromium. Files run one at a time
// (the CI machine has two cores and each build uses both).
export default defineProject({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'fixtures/**'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
