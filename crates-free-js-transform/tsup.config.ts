import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', babel: 'src/babel.ts', checks: 'src/checks.ts', baseline: 'src/baseline.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
