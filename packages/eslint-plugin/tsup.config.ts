import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url in the CJS build (the package reads its own version from package.json).
  shims: true,
  // CommonJS configs get the plugin from require() itself, not from `.default`.
  cjsInterop: true,
  splitting: true,
});
