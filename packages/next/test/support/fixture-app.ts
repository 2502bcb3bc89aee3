import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

/** The `next` CLI of this package's own next 16 install (run with the current node). */
export const NEXT_BIN = path.join(path.dirname(require.resolve('next/package.json')), 'dist/bin/next');

/** The Next 15.5 install kept beside next 16 for the compatibility builds (devDependency alias `next15`). */
export const NEXT15_DIR = path.join(PACKAGE_DIR, 'node_modules', 'next15');

const RUNTIME_DIR = path.resolve(PACKAGE_DIR, '../runtime');

/** How {@link linkDependencies} lays out a fixture's node_modules. */
export interface LinkOptions {
  /** The `next` install to link (this package's next 16 by default). */
  nextDir?: string;
  /**
   * Install @action-guard/runtime as a copy (package.json + dist) instead of a symlink, so its `next/*` imports
   * resolve to the app's `next` as they do in a real install, not to the workspace's next 16.
   */
  copyRuntime?: boolean;
}

/**
 * Lays out a fixture app's node_modules: this package's installs of next, react and the types, and the workspace
 * packages. The fixtures are not workspace members (pnpm-workspace.yaml is the lead's), so the links are made
 * here rather than by pnpm; their real paths stay inside the workspace, which is Turbopack's root.
 */
export function linkDependencies(appDir: string, options: LinkOptions = {}): void {
  const modules = path.join(appDir, 'node_modules');
  rmSync(modules, { recursive: true, force: true });
  const links: Record<string, string> = {
    next: options.nextDir ?? path.join(PACKAGE_DIR, 'node_modules', 'next'),
    '@action-guard/next': PACKAGE_DIR,
  };
  for (const name of ['react', 'react-dom', 'typescript', '@types/react', '@types/react-dom', '@types/node']) {
    links[name] = path.join(PACKAGE_DIR, 'node_modules', name);
  }
  if (options.copyRuntime) {
    const copy = path.join(modules, '@action-guard/runtime');
    cpSync(path.join(RUNTIME_DIR, 'package.json'), path.join(copy, 'package.json'));
    cpSync(path.join(RUNTIME_DIR, 'dist'), path.join(copy, 'dist'), { recursive: true });
    // Its dependencies and the optional peers its dynamic imports name, as an install would provide them.
    for (const name of ['devalue', '@standard-schema/spec', '@opentelemetry/api', '@redis/client']) {
      links[name] = path.join(RUNTIME_DIR, 'node_modules', name);
    }
  } else {
    links['@action-guard/runtime'] = RUNTIME_DIR;
  }
  for (const [name, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    symlinkSync(target, path.join(modules, name), 'dir');
  }
}

/** The two bundlers `next build` can use. */
export type Bundler = 'turbopack' | 'webpack';

/** Bound of one `next build` (a cold webpack build on two shared cores takes a minute or two). */
export const BUILD_TIMEOUT_MS = 300_000;

/** A fixed, test-only NEXT_SERVER_ACTIONS_ENCRYPTION_KEY (base64 of 32 bytes), so no build warns about it. */
export const TEST_ENCRYPTION_KEY = createHash('sha256').update('action-guard next fixture key').digest('base64');

/** What one `next build` printed and how it ended. */
export interface BuildResult {
  /** Exit code (null when killed at the timeout). */
  code: number | null;
  /** stdout and stderr, interleaved. */
  output: string;
}

/**
 * Runs `next build` for `bundler` in `appDir` with the `next` that the app resolves, in its own process group
 * that is killed whole at the timeout. Next 16 defaults to Turbopack (`--webpack` opts out); 15.5 to webpack.
 * `extraEnv` is merged over the defaults (e.g. a signing key).
 */
export function nextBuild(appDir: string, bundler: Bundler, extraEnv: Record<string, string> = {}): Promise<BuildResult> {
  rmSync(path.join(appDir, '.next'), { recursive: true, force: true });
  const nextDir = path.dirname(createRequire(path.join(appDir, 'package.json')).resolve('next/package.json'));
  const major = Number((JSON.parse(readFileSync(path.join(nextDir, 'package.json'), 'utf8')) as { version: string }).version.split('.')[0]);
  const flags = major >= 16 ? (bundler === 'webpack' ? ['--webpack'] : []) : bundler === 'turbopack' ? ['--turbopack'] : [];
  const child = spawn(process.execPath, [path.join(nextDir, 'dist/bin/next'), 'build', ...flags], {
    cwd: appDir,
    detached: true,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, CI: '1', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Every file under `dir` whose name ends with `extension`. */
export function filesUnder(dir: string, extension: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(extension))
    .map((file) => path.join(dir, file));
}

/** Whether any of `files` contains `text`. */
export function anyFileContains(files: string[], text: string): boolean {
  return files.some((file) => readFileSync(file, 'utf8').includes(text));
}
