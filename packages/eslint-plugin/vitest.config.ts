import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    include: ['test/**/*.test.ts'],
    // The equivalence test lints every transform fixture and a generated corpus, and one test runs the eslint
    // binary twice with eslint-config-next; the machine is often shared, so allow time.
    testTimeout: 120_000,
  },
});
