import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    include: ['test/**/*.test.ts'],
    // The property tests run hundreds of transforms and Next's SWC; the machine is often shared, so allow time.
    testTimeout: 60_000,
  },
});
