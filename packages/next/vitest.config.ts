import { defineProject } from 'vitest/config';

// The real `next build` and `next dev` tests each use both cores of the CI machine: files run one at a time.
export default defineProject({
  test: {
    // Run after the unit projects and alone (real next builds, one file at a time): two builds on the two CI cores slow both past their timeouts.
    sequence: { groupOrder: 2 },
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/fixtures/**'],
    fileParallelism: false,
  },
});
