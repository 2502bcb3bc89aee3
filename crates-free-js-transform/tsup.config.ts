import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', babel: 'src/babel.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
