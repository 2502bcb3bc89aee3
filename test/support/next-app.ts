import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort } from './free-port.js';
import { runToCompletion, spawnGroup, type CompletedProcess, type GroupProcess } from './processes.js';

/** The two bundlers `next build` can use. */
export type Bundler = 'turbopack' | 'webpack';

/** Both bundlers, in the order the suites run them. */
export const BUNDLERS: readonly Bundler[] = ['turbopack', 'webpack'];

/** The monorepo root (the folder holding pnpm-workspace.yaml). */
export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A fixed, test-only NEXT_SERVER_ACTIONS_ENCRYPTION_KEY (base64 of 32 bytes). Build and `next start` must share one
 * key (docs/next-internals.md §3): it salts every action ID and encrypts inline actions' closures.
 */
export const TEST_ENCRYPTION_KEY = createHash('sha256').update('action-guard e2e test key').digest('base64');

/** The version of the `next` package that `appDir` resolves. */
export function nextVersion(appDir: string): string {
  const requireFromApp = createRequire(join(appDir, 'package.json'));
  const pkg = requireFromApp('next/package.json') as { version: string };
  return pkg.version;
}

/** Absolute path of the `next` CLI that `appDir` resolves (run with the current node, never a global one). */
export function nextBin(appDir: string): string {
  const requireFromApp = createRequire(join(appDir, 'package.json'));
  return join(dirname(requireFromApp.resolve('next/package.json')), 'dist/bin/next');
}

/**
 * The `next build` (and `next dev`) flags that select `bundler` for the installed version (16 defaults to Turbopack,
 * 15 to webpack).
 */
export function bundlerFlags(appDir: string, bundler: Bundler): string[] {
  const major = Number(nextVersion(appDir).split('.')[0]);
  if (major >= 16) return bundler === 'webpack' ? ['--webpack'] : [];
  return bundler === 'turbopack' ? ['--turbopack'] : [];
}

/** Options for {@link buildNextApp}. */
export interface BuildOptions {
  appDir: string;
  bundler: Bundler;
  /** Extra environment for the build; NEXT_SERVER_ACTIONS_ENCRYPTION_KEY defaults to {@link TEST_ENCRYPTION_KEY}. */
  env?: Record<string, string | undefined>;
  /** @default 540_000 (a cold webpack build of the example on two busy cores takes a few minutes) */
  timeoutMs?: number;
  /**
   * Folders whose content decides the build output besides `appDir` (e.g. the dist of our packages). When the
   * last build of `appDir` used the same bundler, env and content, the build is skipped. Leave empty to always build.
   */
  cacheInputs?: string[];
  /** Keep `.next` (and so the bundler's persistent cache) from the previous build. @default false: build cold */
  warm?: boolean;
}

/** The result of one `next build`. */
export interface BuildResult extends CompletedProcess {
  /** True when a previous build with identical inputs was reused instead of building again. */
  reused: boolean;
}

const STAMP_FILE = 'action-guard-e2e-stamp.json';
const BUILD_LOCKED = 'Another next build process is already running';
const LOCK_ATTEMPTS = 20;
const LOCK_WAIT_MS = 15_000;
const SKIPPED_DIRS = new Set(['node_modules', '.next', '.turbo', 'data', '.git', 'artifacts']);

function collectFiles(dir: string, into: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) collectFiles(full, into);
    else if (entry.isFile()) into.push(full);
  }
}

/** A digest of every file under `dirs` (paths and bytes), used to decide whether a previous build is still valid. */
export function fingerprintDirs(dirs: string[]): string {
  const hash = createHash('sha256');
  for (const dir of dirs) {
    const files: string[] = [];
    collectFiles(dir, files);
    files.sort();
    for (const file of files) {
      hash.update(relative(WORKSPACE_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** True when some process other than ours is running `next build` with `appDir` as its working directory. */
function otherBuildRunning(appDir: string): boolean {
  if (!existsSync('/proc')) return false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) !== appDir) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((arg) => /next(\.js)?$|dist\/bin\/next$/.test(arg)) && argv.includes('build')) return true;
    } catch {
      // Not ours to read, or already gone.
    }
  }
  return false;
}

/**
 * Waits (bounded) while someone else builds the same app in this checkout. Removing `.next` under a running build
 * would not stop it (Next's `.next/lock` is an OS lock on a file we would unlink) and both builds would interleave.
 */
async function waitForOtherBuilds(appDir: string): Promise<void> {
  for (let attempt = 0; attempt < LOCK_ATTEMPTS && otherBuildRunning(appDir); attempt += 1) {
    await new Promise((r) => setTimeout(r, LOCK_WAIT_MS));
  }
}

/** Runs `next build` for `bundler` in `appDir` and returns its exit code and output (it never throws on failure). */
export async function buildNextApp(options: BuildOptions): Promise<BuildResult> {
  const env = { NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...options.env };
  const flags = bundlerFlags(options.appDir, options.bundler);
  const distDir = join(options.appDir, '.next');
  const stampPath = join(distDir, STAMP_FILE);
  let stamp: string | null = null;
  if (options.cacheInputs !== undefined && options.cacheInputs.length > 0) {
    stamp = JSON.stringify({
      bundler: options.bundler,
      next: nextVersion(options.appDir),
      env,
      content: fingerprintDirs([options.appDir, ...options.cacheInputs]),
    });
    if (existsSync(stampPath) && existsSync(join(distDir, 'BUILD_ID')) && readFileSync(stampPath, 'utf8') === stamp) {
      return { exitCode: 0, output: '(reused the previous build: identical inputs)', durationMs: 0, timedOut: false, reused: true };
    }
  }
  await waitForOtherBuilds(options.appDir);
  if (options.warm !== true) {
    // Cold, as on CI's fresh clone: a build cache left by someone else's build must not decide what we test.
    rmSync(distDir, { recursive: true, force: true });
  }
  let result: CompletedProcess;
  for (let attempt = 1; ; attempt += 1) {
    result = await runToCompletion(process.execPath, [nextBin(options.appDir), 'build', ...flags], {
      cwd: options.appDir,
      env,
      timeoutMs: options.timeoutMs ?? 540_000,
    });
    // Next 16 refuses to build while another `next build` of the same app holds `.next/lock` (someone else
    // building the example in this checkout). Wait for it, a bounded number of times, instead of failing.
    if (!result.output.includes(BUILD_LOCKED) || attempt === LOCK_ATTEMPTS) break;
    await new Promise((r) => setTimeout(r, LOCK_WAIT_MS));
  }
  if (stamp !== null && result.exitCode === 0) writeFileSync(stampPath, stamp);
  return { ...result, reused: false };
}

/** Throws with the build's output when it did not succeed, so a failed build explains itself in the test report. */
export function assertBuildSucceeded(result: BuildResult, what: string): void {
  if (result.exitCode === 0) return;
  const tail = result.output.split('\n').slice(-120).join('\n');
  throw new Error(`${what}: next build exited with ${String(result.exitCode)}${result.timedOut ? ' (timed out)' : ''}\n${tail}`);
}

/** A running `next start` bound to 127.0.0.1. */
export interface NextServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Everything the server printed so far. */
  output(): string;
  /** Kills the server's whole process group. */
  stop(): Promise<void>;
}

/** Options for {@link startNextServer}. */
export interface StartOptions {
  appDir: string;
  env?: Record<string, string | undefined>;
  /** @default 60_000 */
  readyTimeoutMs?: number;
  /**
   * `next dev` instead of `next start`: compiles each route on its first request, with `bundler` (Next 16's dev
   * default is Turbopack).
   */
  dev?: { bundler: Bundler };
}

/** Starts `next start -H 127.0.0.1` (or `next dev`) on a free port and resolves once it answers HTTP (bounded polling). */
export async function startNextServer(options: StartOptions): Promise<NextServer> {
  const port = await getFreePort();
  const command =
    options.dev === undefined
      ? ['start', '-H', '127.0.0.1', '-p', String(port)]
      : ['dev', ...bundlerFlags(options.appDir, options.dev.bundler), '-H', '127.0.0.1', '-p', String(port)];
  const proc: GroupProcess = spawnGroup(process.execPath, [nextBin(options.appDir), ...command], {
    cwd: options.appDir,
    env: {
      NODE_ENV: options.dev === undefined ? 'production' : 'development',
      NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let exitCode: number | null | undefined;
  void proc.exited.then((code) => {
    exitCode = code;
  });
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    if (exitCode !== undefined) {
      throw new Error(`next start exited with ${String(exitCode)} before it was ready:\n${proc.output()}`);
    }
    try {
      // Any HTTP answer (even a 404 or a redirect) means the server accepts requests.
      const response = await fetch(`${url}/favicon.ico`, { redirect: 'manual', signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return { url, port, output: proc.output, stop: () => proc.stop() };
    } catch {
      await new Promise((r) => setTimeout(r, Math.min(100 * (attempt + 1), 500)));
    }
  }
  await proc.stop();
  throw new Error(`next start did not answer on ${url} in time:\n${proc.output()}`);
}

/** One entry of `.next/server/server-reference-manifest.json` (the fields the tests use). */
export interface ServerReferenceEntry {
  id: string;
  filename: string;
  exportedName: string;
  workers: Record<string, unknown>;
}

/**
 * Where Next writes its server-reference manifest: `.next/server` after `next build`; `next dev` (16) keeps its
 * output apart in `.next/dev/server` and rewrites the file as it compiles routes.
 */
export function serverReferenceManifestPath(appDir: string, mode: 'build' | 'dev' = 'build'): string {
  return join(appDir, mode === 'dev' ? '.next/dev/server/server-reference-manifest.json' : '.next/server/server-reference-manifest.json');
}

/** Reads Next's own list of registered Server Actions (`node` and `edge`) after a build (or as `next dev` has it now). */
export function readServerReferences(appDir: string, mode: 'build' | 'dev' = 'build'): ServerReferenceEntry[] {
  const path = serverReferenceManifestPath(appDir, mode);
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<
    'node' | 'edge',
    Record<string, { filename: string; exportedName: string; workers: Record<string, unknown> }>
  >;
  const entries: ServerReferenceEntry[] = [];
  for (const runtime of ['node', 'edge'] as const) {
    for (const [id, entry] of Object.entries(manifest[runtime] ?? {})) entries.push({ id, ...entry });
  }
  return entries;
}

/**
 * The action ID Next assigned to `exportName` of `file` (project-relative, e.g. `app/invoices/actions.ts`).
 * Turbopack records paths relative to `turbopack.root` and webpack relative to the project, so the match is on
 * the path's tail.
 */
export function findActionId(appDir: string, file: string, exportName: string): string {
  const entries = readServerReferences(appDir);
  const matches = entries.filter(
    (e) => e.exportedName === exportName && (e.filename === file || e.filename.endsWith(`/${file}`)),
  );
  if (matches.length !== 1) {
    const known = entries.map((e) => `${e.filename}#${e.exportedName}`).join(', ');
    throw new Error(`expected exactly one action ${file}#${exportName}, found ${matches.length}; registered: ${known}`);
  }
  return matches[0]!.id;
}
