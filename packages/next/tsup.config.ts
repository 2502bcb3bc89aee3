import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // import.meta.url in the CJS build (the webpack loader path is resolved through it).
    shims: true,
    external: ['next', 'webpack'],
  },
  {
    // Loaders are required by webpack and by Turbopack's loader workers: CommonJS, one file.
    entry: { loader: 'src/loader.ts' },
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    external: ['next', 'webpack'],
  },
]);
