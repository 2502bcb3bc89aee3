import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  anyFileContains,
  BUILD_TIMEOUT_MS,
  filesUnder,
  linkDependencies,
  nextBuild,
  TEST_ENCRYPTION_KEY,
  type Bundler,
} from './support/fixture-app.js';

// Real `next build`s of two small apps under test/fixtures, with Turbopack and with --webpack, one at a time.
// Their node_modules are symlinks made by linkDependencies (support/fixture-app.ts).

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, 'fixtures');
beforeAll(() => {
  for (const app of ['ok-app', 'broken-app']) linkDependencies(path.join(FIXTURES, app));
});

describe.each<Bundler>(['turbopack', 'webpack'])('next build with %s', (bundler) => {
  test(
    'builds an app whose actions pass every check, guards them in the server chunks only, and writes the manifest',
    async () => {
      const appDir = path.join(FIXTURES, 'ok-app');
      const { code, output } = await nextBuild(appDir, bundler);
      expect(output).toContain(bundler === 'webpack' ? '(webpack)' : '(Turbopack)');
      expect(code, output).toBe(0);
      // The plugin sets no experimental option on Turbopack, so Next has none to announce (issue #16).
      if (bundler === 'turbopack') expect(output).not.toContain('Experiments');
      // clearCache is passed to <form action> by the page (a Server Component) only: no client bundle names it, and
      // it is no dead endpoint either, so AG304 has nothing to say (issue #16).
      expect(output).not.toContain('AG304');

      // The action metadata the transform emits carries each action's ref; it must reach the server bundles.
      const serverChunks = filesUnder(path.join(appDir, '.next/server'), '.js');
      expect(anyFileContains(serverChunks, 'app/actions.ts#saveNote')).toBe(true);
      expect(anyFileContains(serverChunks, 'app/admin/actions.ts#clearCache')).toBe(true);
      // On client layers Next drops the bodies of "use server" modules, guard included.
      expect(anyFileContains(filesUnder(path.join(appDir, '.next/static'), '.js'), 'app/actions.ts#saveNote')).toBe(false);

      // The same transform on every layer gives one ID per action, and the client (which compiles the module on
      // its own layers, from our output) references exactly that ID.
      const serverReferences = JSON.parse(readFileSync(path.join(appDir, '.next/server/server-reference-manifest.json'), 'utf8'));
      const saveNoteIds = Object.entries(serverReferences.node as Record<string, { exportedName: string }>)
        .filter(([, entry]) => entry.exportedName === 'saveNote')
        .map(([id]) => id);
      expect(saveNoteIds).toHaveLength(1);
      expect(anyFileContains(filesUnder(path.join(appDir, '.next/static'), '.js'), saveNoteIds[0]!)).toBe(true);

      const manifest = JSON.parse(readFileSync(path.join(appDir, '.next/action-guard/manifest.json'), 'utf8'));
      expect(manifest.bundler).toBe(bundler);
      expect(manifest.actions.find((action: { ref: string }) => action.ref === 'app/actions.ts#saveNote').referencedByClient).toBe(true);
      const refs = manifest.actions.map((action: { ref: string; guarded: boolean }) => [action.ref, action.guarded]);
      expect(refs).toEqual([
        ['app/actions.ts#saveNote', true],
        ['app/admin/actions.ts#clearCache', true],
      ]);
      expect(output).not.toContain(TEST_ENCRYPTION_KEY);

      // Our webpack() must not make Next compile in its main process (it switches its build worker off for any
      // config with a webpack function, which costs a webpack build over half its peak memory).
      if (bundler === 'webpack') {
        const diagnostics = JSON.parse(readFileSync(path.join(appDir, '.next/diagnostics/build-diagnostics.json'), 'utf8'));
        expect(diagnostics.buildOptions.useBuildWorker).toBe('true');
      }
    },
    BUILD_TIMEOUT_MS + 10_000,
  );

  test(
    'fails an app with policy errors, printing every code with its file:line:col',
    async () => {
      const { code, output } = await nextBuild(path.join(FIXTURES, 'broken-app'), bundler);
      expect(code, output).not.toBe(0);
      for (const expected of [
        /app\/actions\.ts:4:\d+ error AG\d{3} missing-auth-decision/,
        /app\/actions\.ts:10:\d+ error AG\d{3} unknown-tag/,
        /did you mean `?@requiresAuth`?/,
        /app\/actions\.ts:\d+:\d+ error AG\d{3} schema-not-in-scope/,
      ]) {
        expect(output).toMatch(expected);
      }
    },
    BUILD_TIMEOUT_MS + 10_000,
  );
});
