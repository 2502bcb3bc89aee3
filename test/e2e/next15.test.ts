import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActionClient, type ActionClient } from '../support/action-client.js';
import { expectFailure } from '../support/invoices-app.js';
import {
  BUNDLERS,
  WORKSPACE_ROOT,
  assertBuildSucceeded,
  buildNextApp,
  findActionId,
  nextVersion,
  startNextServer,
  type BuildResult,
  type NextServer,
} from '../support/next-app.js';
import { runToCompletion } from '../support/processes.js';
import { defineRevalidateSuite } from './revalidate-suite.js';

/** The newest 15.5.x when this suite was written (docs/next-internals.md: facts as of next@15.5.29). */
const NEXT_15 = '15.5.29';

/** Our packages as an app outside the monorepo gets them: packed tarballs (workspace ranges become versions). */
const PACKAGES = ['packages/contracts', 'crates-free-js-transform', 'packages/config', 'packages/manifest', 'packages/runtime', 'packages/next'];

// Why a temporary directory and not a workspace package: Next 15.5 must not disturb the monorepo's Next 16 install,
// and installing from the registry plus `file:` tarballs is exactly how a user outside this repository gets us.
/** Copies fixture directories over each other into `appDir` and installs next 15.5 plus our tarballs there. */
async function installApp(appDir: string, packDir: string, sources: readonly string[]): Promise<void> {
  for (const source of sources) {
    cpSync(join(WORKSPACE_ROOT, source), appDir, { recursive: true, filter: (path) => !/[/\\](\.next|node_modules)$/.test(path) });
  }
  const tarballs = Object.fromEntries(
    readdirSync(packDir).map((file) => [file.replace(/^action-guard-(.+)-\d+\.\d+\.\d+\.tgz$/, '@action-guard/$1'), `file:${join(packDir, file)}`]),
  );
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify(
      {
        name: 'next15-smoke',
        private: true,
        type: 'module',
        dependencies: { next: NEXT_15, react: '19.2.9', 'react-dom': '19.2.9', ...tarballs },
      },
      null,
      2,
    ),
  );
  const installed = await runToCompletion('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: appDir,
    timeoutMs: 480_000,
  });
  if (installed.exitCode !== 0) throw new Error(`npm install failed in ${appDir}:\n${installed.output}`);
}

// Why a temporary directory and not a workspace package: Next 15.5 must not disturb the monorepo's Next 16 install,
// and installing from the registry plus `file:` tarballs is exactly how a user outside this repository gets us.
describe(`apps on next@${NEXT_15} (installed from the registry, our packages as file: tarballs)`, () => {
  let workDir: string;
  let appDir: string;
  let revalidateAppDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'ag-e2e-next15-'));
    const packDir = join(workDir, 'packs');
    mkdirSync(packDir);
    for (const pkg of PACKAGES) {
      const packed = await runToCompletion('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', packDir], {
        cwd: join(WORKSPACE_ROOT, pkg),
        timeoutMs: 120_000,
      });
      if (packed.exitCode !== 0) throw new Error(`pnpm pack failed in ${pkg}:\n${packed.output}`);
    }
    // Each fixture with the next.config of a project outside the monorepo laid over it. The second install is
    // served from npm's cache.
    appDir = join(workDir, 'app');
    await installApp(appDir, packDir, ['test/fixtures/minimal-app', 'test/fixtures/next15-app']);
    revalidateAppDir = join(workDir, 'revalidate-app');
    await installApp(revalidateAppDir, packDir, ['test/fixtures/revalidate-app', 'test/fixtures/next15-app']);
  });

  afterAll(() => {
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  test('resolves next 15.5 from the install, not from the monorepo', () => {
    expect(nextVersion(appDir)).toBe(NEXT_15);
  });

  // 15.5 builds with webpack by default; `--turbopack` uses the older rules syntax (named conditions).
  describe.each(BUNDLERS)('built with %s', (bundler) => {
    let build: BuildResult;
    let server: NextServer;
    let client: ActionClient;

    beforeAll(async () => {
      build = await buildNextApp({ appDir, bundler });
      assertBuildSucceeded(build, `next ${NEXT_15} app (${bundler})`);
      server = await startNextServer({ appDir });
      client = createActionClient(server.url, appDir);
    });

    afterAll(async () => server?.stop());

    const addNote = (text: string, headers: Record<string, string> = {}) => {
      const data = new FormData();
      data.append('text', text);
      return client.call(findActionId(appDir, 'app/actions.js', 'addNote'), [data], { path: '/', headers });
    };

    test('builds with the plugin and writes the action manifest', () => {
      expect(build.output).toContain(`Next.js ${NEXT_15}`);
      const manifest = JSON.parse(readFileSync(join(appDir, '.next/action-guard/manifest.json'), 'utf8')) as {
        next: { version: string };
        actions: Array<{ ref: string; guarded: boolean }>;
      };
      expect(manifest.next.version).toBe(NEXT_15);
      expect(manifest.actions.map((a) => [a.ref, a.guarded])).toEqual([['app/actions.js#addNote', true]]);
    });

    test('answers UNAUTHENTICATED to a caller without a session', async () => {
      expectFailure(await addNote('hello'), 'UNAUTHENTICATED');
    });

    test('answers INVALID_INPUT with the field error for an empty note', async () => {
      const failure = expectFailure(await addNote('   ', { cookie: 'user=ada' }), 'INVALID_INPUT');
      expect(failure.error.fieldErrors).toEqual({ text: ['Write a note.'] });
    });

    test('runs the action for a signed-in caller with valid input', async () => {
      const response = await addNote('  buy milk ', { cookie: 'user=ada' });
      expect(response.result).toEqual({ ok: true, text: 'buy milk' });
    });
  });

  // The same @revalidates suite as on Next 16: on 15.5 the guard revalidates a tag with revalidateTag(tag).
  for (const bundler of BUNDLERS) defineRevalidateSuite(`next ${NEXT_15}`, bundler, () => revalidateAppDir);
});
