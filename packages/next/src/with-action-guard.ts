import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  defaultChecks,
  INLINE_SOURCE,
  loadConfig,
  mergeOptions,
  validateOptions,
  type Options,
} from '@action-guard/config';
import type { NextConfig } from 'next';
import { assertEncryptionKeyWellFormed, BUILD_KEY_FINGERPRINT_ENV, buildKeyFingerprint } from './encryption-key.js';
import { recordsDirFor, type LoaderOptions } from './loader-options.js';
import { detectNextVersion, turbopackRulesSyntaxFor } from './next-version.js';
import { writeManifestAfterCompile, type AfterCompileMetadata } from './post-build.js';
import { mergeTurbopackRules, type TurbopackConfig } from './turbopack-rules.js';
import { addWebpackRule } from './webpack-rule.js';

/** The second argument Next passes to a function config (next/dist/server/config-shared.js normalizeConfig). */
export interface NextConfigContext {
  /** Next's default configuration. */
  defaultConfig: NextConfig;
}

/** Anything `next.config` may export: an object, a function, or an async function of the phase. */
export type NextConfigInput =
  | NextConfig
  | ((phase: string, context: NextConfigContext) => NextConfig | Promise<NextConfig>);

/** The config function `withActionGuard()` returns; Next calls it once per config load. */
export type GuardedNextConfig = (phase: string, context: NextConfigContext) => Promise<NextConfig>;

/** Where a wrapped config keeps what it wraps, so wrapping it again merges options instead of nesting. */
const WRAPPED = Symbol.for('@action-guard/next.wrapped');
/** Marks our post-build hook, so a config that passes through the plugin twice runs it once. */
const OUR_HOOK = Symbol.for('@action-guard/next.after-compile');

interface Wrapped {
  options: Options;
  inner: NextConfigInput;
}

type AfterCompile = (metadata: AfterCompileMetadata) => Promise<void>;
type WebpackFn = NonNullable<NextConfig['webpack']>;

// Phases from next/constants; compared as strings so loading next.config does not load Next's modules.
const PHASE_PRODUCTION_BUILD = 'phase-production-build';

/** What {@link applyActionGuard} needs besides the user's config. */
export interface ApplyOptions {
  /** Validated inline options. */
  options: Options;
  /** The Next phase the config is loaded for. */
  phase: string;
  /** The project root (where next.config and action-guard.config live). */
  projectDir: string;
  /** The installed Next version; read from `next/package.json` in `projectDir` when omitted. */
  nextVersion?: string;
  /** Absolute path of the webpack loader; the built `@action-guard/next/loader` when omitted. */
  webpackLoader?: string;
}

function projectDirMismatch(configDir: string, nextDir: string): Error {
  return new Error(
    `withActionGuard() read its configuration in ${configDir} (the working directory), but Next builds ${nextDir}. Run next from the project directory.`,
  );
}

function resolveWebpackLoader(): string {
  // Self-reference through our own `exports` map, so both the ESM and the CJS build find dist/loader.cjs.
  return createRequire(import.meta.url).resolve('@action-guard/next/loader');
}

/**
 * Materialises the final Next config from the user's resolved config object: the webpack rule (user `webpack()`
 * chained first), the Turbopack rule merged into `turbopack.rules` (the key is always set: Next 16 refuses a
 * `webpack` function without one), and the manifest step chained after the user's `runAfterProductionCompile`.
 */
export async function applyActionGuard(userConfig: NextConfig, apply: ApplyOptions): Promise<NextConfig> {
  const projectDir = path.resolve(apply.projectDir);
  assertEncryptionKeyWellFormed();
  const config = await loadConfig({ cwd: projectDir, inline: apply.options });
  const nextVersion = apply.nextVersion ?? detectNextVersion(projectDir);
  const syntax = turbopackRulesSyntaxFor(nextVersion);
  const loaderOptions: LoaderOptions = { config, recordsDir: recordsDirFor(projectDir, userConfig.distDir ?? '.next') };
  const webpackLoader = apply.webpackLoader ?? resolveWebpackLoader();

  const userWebpack = userConfig.webpack;
  const webpack: WebpackFn = (webpackConfig, context) => {
    if (path.resolve(context.dir) !== projectDir) throw projectDirMismatch(projectDir, context.dir);
    const result = userWebpack ? userWebpack(webpackConfig, context) : webpackConfig;
    return addWebpackRule(result, webpackLoader, loaderOptions);
  };

  const userAfter = userConfig.compiler?.runAfterProductionCompile as AfterCompile | undefined;
  const afterCompile: AfterCompile = Object.assign(
    async (metadata: AfterCompileMetadata) => {
      await userAfter?.(metadata);
      // Turbopack gives the config no project directory, so a mismatch can only be caught here.
      if (path.resolve(metadata.projectDir) !== projectDir) throw projectDirMismatch(projectDir, metadata.projectDir);
      await writeManifestAfterCompile(metadata, config, nextVersion);
    },
    { [OUR_HOOK]: true },
  );
  const alreadyChained = typeof userAfter === 'function' && OUR_HOOK in userAfter;

  // Production builds tell the runtime which key they used, so a server started with another key says so once.
  const env =
    apply.phase === PHASE_PRODUCTION_BUILD
      ? { ...userConfig.env, [BUILD_KEY_FINGERPRINT_ENV]: await buildKeyFingerprint() }
      : userConfig.env;

  return {
    ...userConfig,
    ...(env ? { env } : {}),
    ...experimentalSettings(userConfig, apply.phase),
    ...serverExternals(userConfig, projectDir),
    webpack,
    turbopack: mergeTurbopackRules(userConfig.turbopack as TurbopackConfig | undefined, loaderOptions, syntax) as NextConfig['turbopack'],
    compiler: {
      ...userConfig.compiler,
      runAfterProductionCompile: alreadyChained || apply.phase !== PHASE_PRODUCTION_BUILD ? userAfter : afterCompile,
    },
  };
}

type Experimental = NonNullable<NextConfig['experimental']>;

/**
 * Experimental settings that keep the plugin's cost down, each only where the user has not chosen:
 * - Next runs `next build --webpack` in a separate build-worker process unless the config has a `webpack()`
 *   function, because it cannot know whether a user's function is safe to run there; adding ours would silently
 *   move the whole compile and trace collection into the main process and make its peak memory grow by more than
 *   half (docs/measurements.md#webpack-build-worker). Ours is safe there (it only adds a rule, and the loader persists what
 *   it learns on disk), so the build keeps the worker Next would have used without us. Only for a webpack
 *   production build: Turbopack and `next dev` have no build worker, and Next prints every experimental setting
 *   (`✓ webpackBuildWorker`) as if the user had chosen it (issue #16). `next build` sets TURBOPACK before it loads
 *   the config (next/dist/lib/bundler.js), so a build without it is webpack's.
 *
 * Not `experimental.turbopackPluginRuntimeStrategy: 'workerThreads'` (which runs our Turbopack loader in threads
 * instead of a pool of Node.js child processes; docs/measurements.md#turbopack-loader-runtime): Next lists every experimental key of the config
 * under "Experiments (use with caution)" on every Turbopack build and `next dev` (next/dist/server/config.js
 * `configuredExperimentalFeatures`), and on Node.js >= 24.13.1 it warns that the setting is disabled and ignores it.
 * An app that wants the memory back sets it itself (README "What it changes in your config"); then the line means
 * what it says.
 */
function experimentalSettings(userConfig: NextConfig, phase: string): Pick<NextConfig, 'experimental'> | Record<string, never> {
  const user = (userConfig.experimental ?? {}) as Experimental;
  const ours: Partial<Experimental> = {};
  const webpackBuild = phase === PHASE_PRODUCTION_BUILD && !process.env.TURBOPACK;
  if (webpackBuild && !userConfig.webpack && user.webpackBuildWorker === undefined) ours.webpackBuildWorker = true;
  if (Object.keys(ours).length === 0) return {};
  return { experimental: { ...user, ...ours } as NextConfig['experimental'] };
}

/** The client library `redisStore({ url })` of `@action-guard/runtime/redis` loads. */
const REDIS_CLIENT = '@redis/client';

/**
 * Keeps the Redis client the runtime's store loads out of the server bundles: it is Node-only and large (424
 * files in examples/invoices' trace), and an app that imports `@action-guard/runtime/redis` would otherwise have both bundlers compile it into
 * every route with an action, as Next does for the database clients on its own list
 * (next/dist/lib/server-external-packages.jsonc). Added only where Node can resolve it from the project, which is
 * what Next needs of an external package (Turbopack warns and webpack bundles it otherwise), and only when the user
 * has not listed it in `transpilePackages` (Next refuses a package in both).
 */
function serverExternals(userConfig: NextConfig, projectDir: string): Pick<NextConfig, 'serverExternalPackages'> | Record<string, never> {
  const user = userConfig.serverExternalPackages ?? [];
  if (user.includes(REDIS_CLIENT) || userConfig.transpilePackages?.includes(REDIS_CLIENT)) return {};
  if (!installedFrom(projectDir, REDIS_CLIENT)) return {};
  return { serverExternalPackages: [...user, REDIS_CLIENT] };
}

/**
 * Whether `node_modules/<name>` exists in `dir` or above it: the lookup both bundlers make for an external package.
 * Not `require.resolve`, which also searches `NODE_PATH` (pnpm's shims point it at every hoisted package).
 */
function installedFrom(dir: string, name: string): boolean {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'node_modules', name, 'package.json'))) return true;
    if (path.dirname(current) === current) return false;
  }
}

/**
 * `withActionGuard(options?)(nextConfig)`: wraps a Next config (object, function or async function) so every
 * `"use server"` module is guarded on webpack and Turbopack. Inline options merge over `action-guard.config.*`.
 * Wrapping an already wrapped config is safe: the options merge (outer over inner) and the plugin runs once.
 */
export function withActionGuard(options: Options = {}): (nextConfig?: NextConfigInput) => GuardedNextConfig {
  // Validate now, where the user wrote the options, rather than when Next first loads the config.
  validateOptions(options, INLINE_SOURCE, Object.keys(defaultChecks()));
  return (nextConfig = {}) => {
    const previous = typeof nextConfig === 'function' ? (nextConfig as { [WRAPPED]?: Wrapped })[WRAPPED] : undefined;
    const wrapped: Wrapped = previous
      ? { options: mergeOptions(previous.options, options), inner: previous.inner }
      : { options, inner: nextConfig };
    const guarded: GuardedNextConfig = async (phase, context) => {
      const userConfig = typeof wrapped.inner === 'function' ? await wrapped.inner(phase, context) : wrapped.inner;
      return applyActionGuard(userConfig, { options: wrapped.options, phase, projectDir: process.cwd() });
    };
    return Object.assign(guarded, { [WRAPPED]: wrapped });
  };
}
