import { describe, expect, test } from 'vitest';
import { buildManifest, libraryOfFile } from '../src/build-manifest.js';

const meta = { generator: { name: 'action-guard', version: 'test' }, nextVersion: '16.4.6', bundler: 'turbopack' as const, buildId: 'b', gitCommit: null, createdAt: 'now', encryptionKey: null };
// What Next registers in every app that renders <ClerkProvider> (measured in test/fixtures/adopt-clerk), plus an
// unguarded app file and another package's action.
const CLERK = 'node_modules/.pnpm/@clerk+nextjs@7.9.17_next@16.4.6/node_modules/@clerk/nextjs/dist/esm/app-router/server-actions.js';
const node = {
  ['a'.repeat(42)]: { workers: {}, filename: CLERK, exportedName: 'invalidateCacheAction' },
  ['b'.repeat(42)]: { workers: {}, filename: 'node_modules/some-lib/dist/actions.js', exportedName: 'doThing' },
  ['c'.repeat(42)]: { workers: {}, filename: 'app/actions.ts', exportedName: 'save' },
  ['d'.repeat(42)]: { workers: {}, filename: 'app/node_modules-like/@clerk/nextjs/x.ts', exportedName: 'fake' },
};

function unguardedRefs(libraryActions?: string[]) {
  const { findings, manifest } = buildManifest({
    serverReferenceManifest: { node, edge: {} },
    records: [],
    meta,
    config: { manifest: { requireSignature: false, failOnUnguarded: true, libraryActions } },
  });
  expect(manifest.actions.every((a) => !a.guarded)).toBe(true);
  return findings.filter((f) => f.name === 'unguarded-action').map((f) => f.ref);
}

describe('manifest.libraryActions', () => {
  test('libraryOfFile names the package of the innermost node_modules, scoped or not, and nothing for app code', () => {
    expect(libraryOfFile(CLERK)).toBe('@clerk/nextjs');
    expect(libraryOfFile('../node_modules/some-lib/dist/a.js')).toBe('some-lib');
    expect(libraryOfFile('app/actions.ts')).toBeNull();
    expect(libraryOfFile('node_modules/@scope')).toBeNull();
  });

  test('accepts only the named package: its actions are no AG301, every other unguarded action still is', () => {
    expect(unguardedRefs().sort()).toHaveLength(4);
    const left = unguardedRefs(['@clerk/nextjs']);
    expect(left).toHaveLength(3);
    expect(left.some((ref) => ref?.includes('@clerk/nextjs/dist'))).toBe(false);
    expect(left).toContain('app/actions.ts#save');
    expect(left).toContain('app/node_modules-like/@clerk/nextjs/x.ts#fake');
  });

  test('the AG301 fix for a library file names the package to accept', () => {
    const { findings } = buildManifest({ serverReferenceManifest: { node, edge: {} }, records: [], meta, config: { manifest: { requireSignature: false, failOnUnguarded: true } } });
    const clerk = findings.find((f) => f.name === 'unguarded-action' && f.file === CLERK)!;
    expect(clerk.fix).toContain("manifest.libraryActions: ['@clerk/nextjs']");
  });
});
