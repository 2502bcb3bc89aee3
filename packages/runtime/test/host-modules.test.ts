import { build } from 'esbuild';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { exportsWith } from '../src/commonjs-interop.js';
import { ensureBuilt } from './fixtures/ensure-built.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

describe('exportsWith', () => {
  test('takes an ES namespace that has the member', () => {
    const namespace = { trace: 1, default: { trace: 2 } };
    expect(exportsWith(namespace, 'trace')).toBe(namespace);
  });

  test('takes `default` when a CommonJS module arrives under it (webpack, Next’s compiled @opentelemetry/api)', () => {
    const commonJs = { trace: { getTracer: () => null } };
    expect(exportsWith({ default: commonJs }, 'trace')).toBe(commonJs);
  });

  test('is null when neither has the member, and for values that are not modules', () => {
    expect(exportsWith({ default: { other: 1 } }, 'trace')).toBeNull();
    expect(exportsWith(null, 'trace')).toBeNull();
    expect(exportsWith(undefined, 'trace')).toBeNull();
    expect(exportsWith({ default: 'trace' }, 'trace')).toBeNull();
  });
});

// What a bundler sees of the built package: the `imports` map picks #host-modules by condition. Bundled with
// esbuild (which honours package.json `imports` and custom conditions as webpack and Turbopack do), next and
// @opentelemetry/api left external so the output shows how each is imported. The package's own tsconfig maps
// #host-modules to the sources for type checking; an app's bundler never reads it, so neither does this one.
async function bundleDefaultRuntime(conditions: string[]): Promise<string> {
  const result = await build({
    stdin: { contents: "export { default } from '@action-guard/runtime/default';", resolveDir: packageDir, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    conditions,
    write: false,
    external: ['next', 'next/*', '@opentelemetry/api'],
    tsconfigRaw: {},
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('#host-modules, as bundlers resolve it', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  test('Next’s server layers (react-server) import next and @opentelemetry/api statically: no async chunk per route', async () => {
    const bundle = await bundleDefaultRuntime(['react-server']);
    for (const specifier of ['next/navigation', 'next/headers', 'next/cache', '@opentelemetry/api']) {
      expect(bundle).toMatch(new RegExp(`^import \\* as \\w+ from "${specifier.replace('/', '\\/')}";$`, 'm'));
    }
    expect(bundle).not.toMatch(/\bimport\(/);
  });

  test('everywhere else they stay lazy, so the runtime loads without Next or OpenTelemetry installed', async () => {
    const bundle = await bundleDefaultRuntime([]);
    expect(bundle).not.toMatch(/^import .* from "(next\/|@opentelemetry)/m);
    expect(bundle).toContain('import("next/navigation")');
    expect(bundle).toContain('import("next/headers")');
    expect(bundle).toContain('import("next/cache")');
    expect(bundle).toContain('import("@opentelemetry/api")');
  });
});
