import { defineProject } from 'vitest/config';

// The Redis tests start their own redis-server processes and the flood test allocates a million keys, so files
// run two at a time at most (the machine has two cores shared by the whole team).
export default defineProject({
  test: {
    // Run after the unit projects and alone (its own maxWorkers): two builds on the two CI cores slow both past their timeouts.
    sequence: { groupOrder: 1 },
    // `npx vitest run --project runtime` from the repository root.
    name: 'runtime',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
