import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as root from '../src/index.js';
import * as internal from '../src/internal.js';

// What apps import from `@action-guard/runtime` (README, docs, examples/invoices, test/fixtures), and the names that
// moved to `@action-guard/runtime/internal` but stay on the root, deprecated, so existing imports keep working.
const APP_VALUES = [
  'CLIENT_IP_HEADER',
  'CLIENT_IP_SIGNATURE_HEADER',
  'CacheGuardError',
  'FAILURE_CODES',
  'FAILURE_MESSAGES',
  'SessionShapeError',
  'StoreCapacityError',
  'createFailure',
  'defineRuntime',
  'getActionSession',
  'getValidatedInput',
  'isActionFailure',
  'isCacheGuardError',
  'memoryStore',
];
const DEPRECATED_VALUES = ['CACHE_GUARD_DIGEST_PREFIX', 'formDataToObject', 'guardCache', 'resolveRuntimeOptions'] as const;

describe('the public entry points', () => {
  test('the root exports what apps use, plus the deprecated names that moved to /internal', () => {
    expect(Object.keys(root).sort()).toEqual([...APP_VALUES, ...DEPRECATED_VALUES].sort());
  });

  test('each deprecated root name is the very value /internal exports', () => {
    for (const name of DEPRECATED_VALUES) expect(root[name]).toBe(internal[name]);
  });

  test('package.json exports the internal subpath next to the app entries', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(manifest.exports)).toEqual(['.', './redis', './upstash', './client', './default', './instrumentation', './internal']);
  });

  test('the deprecated root names say where they went', () => {
    const source = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8');
    for (const name of [...DEPRECATED_VALUES, 'ResolvedRuntimeOptions', 'ActionMeta', 'NormalizedPolicy', 'RevalidateTarget']) {
      expect(source).toMatch(new RegExp(`/\\*\\* @deprecated [^*]*@action-guard/runtime/internal[^*]*\\*/\\nexport (const|type) ${name}\\b`));
    }
  });
});
