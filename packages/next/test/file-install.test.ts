import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { anyFileContains, BUILD_TIMEOUT_MS, filesUnder, nextBuild, type Bundler } from './support/fixture-app.js';

// The ok fixture installed the way a user tries a local build of action-guard: outside any workspace, our five
// packages as `file:` tarballs (made by `pnpm pack`, which rewrites workspace:* to versions, hence the npm
// overrides), next, react and the types from the npm registry. Turbopack's root is then the app itself.
// Covers Next 15.5 on both bundlers (its older Turbopack rules syntax) and Next 16 under Turbopack.

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKSPACE = path.resolve(here, '../../..');
const PACKAGES = {
  '@action-guard/contracts': 'packages/contracts',
  '@action-guard/transform': 'crates-free-js-transform',
  '@action-guard/config': 'packages/config',
  '@action-guard/manifest': 'packages/manifest',
  '@action-guard/next': 'packages/next',
  '@action-guard/runtime': 'packages/runtime',
} as const;
const INSTALL_TIMEOUT_MS = 300_000;

let scratch: string;
const tarballs: Record<string, string> = {};

function run(command: string, args: string[], cwd: string, timeout: number): void {
  const result = spawnSync(command, args, { cwd, timeout, encoding: 'utf8', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} in ${cwd} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** Creates and installs an app outside the workspace that depends on `next@nextVersion` and our tarballs. */
function installApp(nextVersion: string): string {
  const appDir = path.join(scratch, `app-next-${nextVersion}`);
  mkdirSync(appDir);
  const fixture = path.join(here, 'fixtures', 'ok-app');
  for (const entry of ['app', 'lib', 'action-guard.config.json', 'next.config.mjs', 'tsconfig.json']) {
    cpSync(path.join(fixture, entry), path.join(appDir, entry), { recursive: true });
  }
  const file = (name: string) => `file:${tarballs[name]}`;
  writeFileSync(
    path.join(appDir, 'package.json'),
    JSON.stringify({
      name: 'action-guard-file-install-app',
      private: true,
      type: 'module',
      dependencies: {
        '@action-guard/next': file('@action-guard/next'),
        '@action-guard/runtime': file('@action-guard/runtime'),
        next: nextVersion,
        react: '19.2.9',
        'react-dom': '19.2.9',
      },
      devDependencies: { typescript: '5.9.3', '@types/react': '19.3.0', '@types/react-dom': '19.3.0', '@types/node': '20.19.43' },
      overrides: {
        '@action-guard/contracts': file('@action-guard/contracts'),
        '@action-guard/config': file('@action-guard/config'),
        '@action-guard/manifest': file('@action-guard/manifest'),
        '@action-guard/transform': file('@action-guard/transform'),
      },
    }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], appDir, INSTALL_TIMEOUT_MS);
  return appDir;
}

const apps: Record<string, string> = {};

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'ag-file-install-'));
  const packs = path.join(scratch, 'packs');
  for (const [name, dir] of Object.entries(PACKAGES)) {
    run('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', packs], path.join(WORKSPACE, dir), 120_000);
    tarballs[name] = path.join(packs, `${name.replace('@', '').replace('/', '-')}-0.1.0.tgz`);
  }
  for (const version of ['15.5.29', '16.4.6']) apps[version] = installApp(version);
}, 2 * INSTALL_TIMEOUT_MS + 5 * 120_000);

afterAll(() => {
  // Two full installs of next: removing them takes a while on a busy disk.
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 180_000);

describe.each<[string, Bundler]>([
  ['15.5.29', 'webpack'],
  ['15.5.29', 'turbopack'],
  ['16.4.6', 'turbopack'],
])('a file: install with next %s and %s', (version, bundler) => {
  test(
    'builds, guards every action in the server chunks only, and lists them guarded in the manifest',
    async () => {
      const appDir = apps[version]!;
      const { code, output } = await nextBuild(appDir, bundler);
      expect(output).toContain(`Next.js ${version}`);
      expect(code, output).toBe(0);
      expect(anyFileContains(filesUnder(path.join(appDir, '.next/server'), '.js'), 'app/actions.ts#saveNote')).toBe(true);
      expect(anyFileContains(filesUnder(path.join(appDir, '.next/static'), '.js'), 'app/actions.ts#saveNote')).toBe(false);
      const manifest = JSON.parse(readFileSync(path.join(appDir, '.next/action-guard/manifest.json'), 'utf8'));
      expect(manifest.bundler).toBe(bundler);
      expect(manifest.next.version).toBe(version);
      expect(manifest.actions.map((action: { ref: string; guarded: boolean }) => [action.ref, action.guarded])).toEqual([
        ['app/actions.ts#saveNote', true],
        ['app/admin/actions.ts#clearCache', true],
      ]);
    },
    BUILD_TIMEOUT_MS + 10_000,
  );
});
