import { defineConfig } from 'vitest/config';

// One vitest run covers every package. Each project keeps its own vitest.config.ts
// (timeouts, setup files, parallelism); the end-to-end project runs its files one at a time.
export default defineConfig({
  test: {
    projects: ['crates-free-js-transform', 'packages/*', 'examples/*', 'test'],
  },
});
