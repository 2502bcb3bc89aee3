import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    // Run after the unit projects and alone (real next builds in the audit-vs-build test): two builds on the two CI cores slow both past their timeouts.
    sequence: { groupOrder: 3 },
    include: ['test/**/*.test.ts'],
  },
});
