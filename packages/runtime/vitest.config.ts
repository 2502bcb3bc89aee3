import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// The Redis tests start their own redis-server processes and the flood test allocates a million keys, so files
// run two at a time at most (the machine has two cores shared by the whole team).
export default defineProject({
  // The sources import #host-modules, which package.json maps into dist/; tests of the sources take the variant used
  // outside Next (the react-server one is exercised by the real Next builds of the e2e suites).
  resolve: { alias: { '#host-modules': fileURLToPath(new URL('./src/host-modules.ts', import.meta.url)) } },
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
