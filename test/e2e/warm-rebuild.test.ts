import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BUNDLERS, WORKSPACE_ROOT, assertBuildSucceeded, buildNextApp, type BuildResult } from '../support/next-app.js';

const appDir = join(WORKSPACE_ROOT, 'test/fixtures/minimal-app');

interface ManifestAction {
  ref: string;
  guarded: boolean;
}

function readManifestActions(): ManifestAction[] {
  const manifest = JSON.parse(readFileSync(join(appDir, '.next/action-guard/manifest.json'), 'utf8')) as { actions: ManifestAction[] };
  return manifest.actions;
}

// Developers and CI caches rebuild over a warm `.next` (Turbopack's persistent cache, webpack's pack cache): a
// cached module never reaches the loader again, yet every action must still be known and guarded.
describe.each(BUNDLERS)('a second %s build over a warm cache', (bundler) => {
  let cold: BuildResult;
  let warm: BuildResult;
  let coldActions: ManifestAction[];

  beforeAll(async () => {
    cold = await buildNextApp({ appDir, bundler, timeoutMs: 300_000 });
    assertBuildSucceeded(cold, `minimal-app cold ${bundler} build`);
    coldActions = readManifestActions();
    warm = await buildNextApp({ appDir, bundler, warm: true, timeoutMs: 300_000 });
  });

  test('succeeds', () => {
    expect(warm.exitCode, warm.output.split('\n').slice(-60).join('\n')).toBe(0);
  });

  test('writes the same guarded actions into the manifest as the cold build', () => {
    expect(coldActions.map((a) => [a.ref, a.guarded])).toEqual([['app/actions.js#addNote', true]]);
    expect(readManifestActions().map((a) => [a.ref, a.guarded])).toEqual([['app/actions.js#addNote', true]]);
  });
});
