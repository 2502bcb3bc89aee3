import { defineProject } from 'vitest/config';

// End-to-end: real `next build`, `next start`, Redis and Chromium. Files run one at a time
// (the CI machine has two cores and each build uses both).
export default defineProject({
  test: {
    // Run after the unit projects and alone (end-to-end: real builds, servers and Chromium): two builds on the two CI cores slow both past their timeouts.
    sequence: { groupOrder: 4 },
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'fixtures/**'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
