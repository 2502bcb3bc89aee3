import { copyFileSync, mkdirSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // Edge-safe: the runtime (Edge and Node) imports it too.
  target: 'es2022',
  // Ship the page every printed docs link points into (docs/diagnostics.md is its one home; this is a copy for the
  // tarball, so whoever installed the package can read it offline).
  onSuccess: async () => {
    mkdirSync('docs', { recursive: true });
    copyFileSync('../../docs/diagnostics.md', 'docs/diagnostics.md');
  },
});
