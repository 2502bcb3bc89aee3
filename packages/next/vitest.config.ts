import { defineProject } from 'vitest/config';

// The real `next build` and `next dev` tests each use both cores of the CI machine: files run one at a time.
export default defineProject({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/fixtures/**'],
    fileParallelism: false,
  },
});
