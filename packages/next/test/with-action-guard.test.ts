import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NextConfig } from 'next';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Configuration, RuleSetRule } from 'webpack';
import { fingerprintEncryptionKey } from '@action-guard/manifest/key-fingerprint';
import { SERVER_DIRECTIVE_PREFILTER } from '@action-guard/transform/checks';
import { withActionGuard } from '../src/index.js';
import type { LoaderOptions } from '../src/loader-options.js';
import { applyActionGuard } from '../src/with-action-guard.js';

const require = createRequire(import.meta.url);
const NEXT_DIR = path.dirname(require.resolve('next/package.json'));
const BUILD = 'phase-production-build';
const DEV = 'phase-development-server';
const OUR_GLOB = '*.{js,jsx,mjs,cjs,ts,tsx,mts,cts}';

let projectDir: string;

beforeEach(() => {
  // A project that resolves the real next@16 installed for this package; the plugin reads config from the
  // working directory, as it does under `next build`.
  projectDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'ag-next-config-')));
  mkdirSync(path.join(projectDir, 'node_modules'));
  symlinkSync(NEXT_DIR, path.join(projectDir, 'node_modules', 'next'));
  vi.spyOn(process, 'cwd').mockReturnValue(projectDir);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  rmSync(projectDir, { recursive: true, force: true });
});

const context = { defaultConfig: {} };

/** The webpack context Next passes for one of its three compilers. */
function webpackContext(isServer: boolean, nextRuntime?: 'nodejs' | 'edge') {
  return { dir: projectDir, dev: false, isServer, nextRuntime, buildId: 'test', config: {}, defaultLoaders: {}, totalPages: 1, webpack: {} } as never;
}

function runWebpack(config: NextConfig, webpackConfig: Configuration = { module: { rules: [] } }): Configuration {
  return config.webpack!(webpackConfig, webpackContext(true, 'nodejs')) as Configuration;
}

function ourWebpackRules(webpackConfig: Configuration): RuleSetRule[] {
  return (webpackConfig.module?.rules ?? []).filter(
    (rule): rule is RuleSetRule =>
      typeof rule === 'object' && rule !== null && JSON.stringify(rule.use ?? '').includes('loader.cjs'),
  );
}

function loaderOptionsOf(rule: RuleSetRule): LoaderOptions {
  return (rule.use as { options: LoaderOptions }[])[0]!.options;
}

function turbopackRules(config: NextConfig): Record<string, unknown> {
  return (config.turbopack as { rules: Record<string, unknown> }).rules;
}

describe('withActionGuard()(nextConfig)', () => {
  test('materialises an object config with a webpack rule, a Turbopack rule and the manifest hook', async () => {
    const config = await withActionGuard()({ reactStrictMode: true })(BUILD, context);
    expect(config.reactStrictMode).toBe(true);
    const [rule, ...others] = ourWebpackRules(runWebpack(config));
    expect(others).toHaveLength(0);
    expect(rule).toMatchObject({ enforce: 'pre', exclude: /node_modules/, test: /\.(c|m)?[jt]sx?$/ });
    expect(turbopackRules(config)[OUR_GLOB]).toEqual([
      {
        condition: { all: [{ not: 'foreign' }, { content: SERVER_DIRECTIVE_PREFILTER }] },
        loaders: [{ loader: '@action-guard/next/loader', options: loaderOptionsOf(rule!) }],
      },
    ]);
    expect(config.compiler?.runAfterProductionCompile).toBeTypeOf('function');
  });

  test("keeps Next's webpack build worker, which any webpack() function would otherwise switch off", async () => {
    const config = await withActionGuard()({ experimental: { optimizeCss: true } })(BUILD, context);
    expect(config.experimental).toEqual({ optimizeCss: true, webpackBuildWorker: true });
  });

  test('sets no build worker where there is none: a Turbopack build (TURBOPACK set by next build) and next dev', async () => {
    const saved = process.env.TURBOPACK;
    try {
      process.env.TURBOPACK = 'auto';
      const turbopack = await withActionGuard()({ experimental: { optimizeCss: true } })(BUILD, context);
      expect(turbopack.experimental?.webpackBuildWorker).toBeUndefined();
      delete process.env.TURBOPACK;
      const dev = await withActionGuard()({ experimental: { optimizeCss: true } })('phase-development-server', context);
      expect(dev.experimental?.webpackBuildWorker).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.TURBOPACK;
      else process.env.TURBOPACK = saved;
    }
  });

  test("leaves the build worker setting alone when the user set it or has a webpack() of their own", async () => {
    const off = await withActionGuard()({ experimental: { webpackBuildWorker: false } })(BUILD, context);
    expect(off.experimental?.webpackBuildWorker).toBe(false);
    const custom = await withActionGuard()({ webpack: (webpackConfig: Configuration) => webpackConfig })(BUILD, context);
    expect(custom.experimental?.webpackBuildWorker).toBeUndefined();
  });

  describe('the Redis client the runtime store loads', () => {
    /** Installs `@redis/client` into the temp project, as `npm install @redis/client` would make it resolvable. */
    function installRedisClient(): void {
      const fromRuntime = createRequire(new URL('../../runtime/package.json', import.meta.url));
      const installed = path.dirname(fromRuntime.resolve('@redis/client/package.json'));
      mkdirSync(path.join(projectDir, 'node_modules/@redis'), { recursive: true });
      symlinkSync(installed, path.join(projectDir, 'node_modules/@redis/client'));
    }

    test('is kept external, after the user’s own entries, when the project can resolve it', async () => {
      installRedisClient();
      const config = await withActionGuard()({ serverExternalPackages: ['pg'] })(BUILD, context);
      expect(config.serverExternalPackages).toEqual(['pg', '@redis/client']);
    });

    test('is left out when the project cannot resolve it (Next could not load it from node_modules)', async () => {
      const config = await withActionGuard()({})(BUILD, context);
      expect(config.serverExternalPackages).toBeUndefined();
    });

    test.each<[string, NextConfig, string[] | undefined]>([
      ['already lists it', { serverExternalPackages: ['@redis/client'] }, ['@redis/client']],
      ['transpiles it (Next refuses a package in both lists)', { transpilePackages: ['@redis/client'] }, undefined],
    ])('is not added again when the user %s', async (_, userConfig, expected) => {
      installRedisClient();
      const config = await withActionGuard()(userConfig)(BUILD, context);
      expect(config.serverExternalPackages).toEqual(expected);
    });
  });

  // Next lists every experimental key of the config under "Experiments (use with caution)" on Turbopack builds and
  // `next dev`, so the plugin sets none there: the user never chose them (issue #16).
  test.each([BUILD, DEV])('sets no experimental option for Turbopack (%s)', async (phase) => {
    const previous = process.env.TURBOPACK;
    process.env.TURBOPACK = '1';
    try {
      const nextDefaults = { defaultConfig: require('next/dist/server/config-shared').defaultConfig as NextConfig };
      expect((await withActionGuard()({})(phase, nextDefaults)).experimental).toBeUndefined();
      const own = await withActionGuard()({ experimental: { turbopackPluginRuntimeStrategy: 'workerThreads' } as NextConfig['experimental'] })(phase, nextDefaults);
      expect(own.experimental).toEqual({ turbopackPluginRuntimeStrategy: 'workerThreads' });
    } finally {
      if (previous === undefined) delete process.env.TURBOPACK;
      else process.env.TURBOPACK = previous;
    }
  });

  test('calls a function config with the phase and context, and awaits an async one', async () => {
    const sync = vi.fn((_phase: string, _context: unknown): NextConfig => ({ basePath: '/sync' }));
    const async = vi.fn(async (): Promise<NextConfig> => ({ basePath: '/async' }));
    expect((await withActionGuard()(sync)(DEV, context)).basePath).toBe('/sync');
    expect(sync).toHaveBeenCalledWith(DEV, context);
    expect((await withActionGuard()(async)(BUILD, context)).basePath).toBe('/async');
  });

  test('passes loaders only plain JSON options, identical on both bundlers', async () => {
    writeFileSync(path.join(projectDir, 'action-guard.config.json'), JSON.stringify({ rules: { 'app/admin/**': { role: 'admin' } } }));
    const config = await withActionGuard({ checks: { 'inline-action': 'warn' } })({})(BUILD, context);
    const options = loaderOptionsOf(ourWebpackRules(runWebpack(config))[0]!);
    expect(JSON.parse(JSON.stringify(options))).toEqual(options);
    expect(options.config.rules).toEqual({ 'app/admin/**': { role: 'admin' } });
    expect(options.config.checks['inline-action']).toBe('warn');
    expect(options.recordsDir).toBe(path.join(projectDir, '.next', 'cache', 'action-guard', 'records'));
  });

  test('puts records under a custom distDir', async () => {
    const config = await withActionGuard()({ distDir: 'build/out' })(BUILD, context);
    const options = loaderOptionsOf(ourWebpackRules(runWebpack(config))[0]!);
    expect(options.recordsDir).toBe(path.join(projectDir, 'build', 'out', 'cache', 'action-guard', 'records'));
  });

  test("chains the user's webpack() and adds our rule to the config it returns, on every compiler", async () => {
    const userWebpack = vi.fn((webpackConfig: Configuration) => ({
      ...webpackConfig,
      module: { rules: [...(webpackConfig.module?.rules ?? []), { test: /\.svg$/, use: ['svgr'] }] },
    }));
    const config = await withActionGuard()({ webpack: userWebpack })(BUILD, context);
    for (const [isServer, runtime] of [[true, 'nodejs'], [true, 'edge'], [false, undefined]] as const) {
      const result = config.webpack!({ module: { rules: [] } }, webpackContext(isServer, runtime)) as Configuration;
      expect(result.module?.rules?.[0]).toEqual({ test: /\.svg$/, use: ['svgr'] });
      expect(ourWebpackRules(result)).toHaveLength(1);
    }
    expect(userWebpack).toHaveBeenCalledTimes(3);
  });

  test("merges into the user's Turbopack rules without replacing or dropping any", async () => {
    const userRule = { loaders: ['@svgr/webpack'], as: '*.js' };
    const config = await withActionGuard()({
      turbopack: {
        root: '/workspace',
        rules: { '*.svg': userRule, [OUR_GLOB]: { loaders: ['babel-loader'] } },
      },
    })(BUILD, context);
    expect((config.turbopack as { root: string }).root).toBe('/workspace');
    const rules = turbopackRules(config);
    expect(rules['*.svg']).toEqual(userRule);
    const ours = rules[OUR_GLOB] as unknown[];
    expect(ours).toHaveLength(2);
    expect(ours[0]).toEqual({ loaders: ['babel-loader'] });
    expect(JSON.stringify(ours[1])).toContain('@action-guard/next/loader');
  });

  test('keeps the meaning of a bare loader array under our key by wrapping it as one rule', async () => {
    const config = await withActionGuard()({ turbopack: { rules: { [OUR_GLOB]: ['some-loader'] } } })(BUILD, context);
    const ours = turbopackRules(config)[OUR_GLOB] as unknown[];
    expect(ours[0]).toEqual({ loaders: ['some-loader'] });
    expect(ours).toHaveLength(2);
  });

  test('always sets a turbopack key, because Next 16 refuses a webpack() config without one', async () => {
    const config = await withActionGuard()({ webpack: (c: Configuration) => c })(DEV, context);
    expect(config.turbopack).toBeDefined();
  });

  /** A build output as Next leaves it before `runAfterProductionCompile`: one action, and no records for it. */
  function fakeBuildWithUnguardedAction(): string {
    const distDir = path.join(projectDir, '.next');
    mkdirSync(path.join(distDir, 'server'), { recursive: true });
    mkdirSync(path.join(projectDir, 'app'));
    writeFileSync(path.join(projectDir, 'app/actions.ts'), "'use server';\nexport async function save() {}\n");
    const id = `00${'ab'.repeat(20)}`;
    const entry = { workers: { 'app/page': { moduleId: 1, async: false } }, filename: 'app/actions.ts', exportedName: 'save' };
    writeFileSync(path.join(distDir, 'server/server-reference-manifest.json'), JSON.stringify({ node: { [id]: entry }, edge: {} }));
    return distDir;
  }

  test("runs the user's runAfterProductionCompile first, then fails the build on an unguarded action", async () => {
    const distDir = fakeBuildWithUnguardedAction();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const calls: string[] = [];
    const userHook = async () => {
      calls.push('user');
    };
    const config = await withActionGuard()({ compiler: { runAfterProductionCompile: userHook } })(BUILD, context);
    const failure = await config.compiler!.runAfterProductionCompile!({ projectDir, distDir }).catch((e: Error) => e);
    expect(calls).toEqual(['user']);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/AG301 unguarded-action/);
    expect((failure as Error).message).toContain('app/actions.ts');
  });

  test('grades manifest findings by the configured checks: a warning still writes the manifest', async () => {
    const distDir = fakeBuildWithUnguardedAction();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const config = await withActionGuard({ checks: { 'unguarded-action': 'warn' } })({})(BUILD, context);
    await config.compiler!.runAfterProductionCompile!({ projectDir, distDir });
    expect(warn.mock.calls.flat().join('\n')).toMatch(/warning AG301 unguarded-action/);
    const manifest = JSON.parse(readFileSync(path.join(distDir, 'action-guard/manifest.json'), 'utf8'));
    expect(manifest.actions).toEqual([expect.objectContaining({ ref: 'app/actions.ts#save', guarded: false })]);
  });

  test('leaves the post-build hook alone outside production builds', async () => {
    const userHook = async () => undefined;
    const dev = await withActionGuard()({ compiler: { runAfterProductionCompile: userHook } })(DEV, context);
    expect(dev.compiler?.runAfterProductionCompile).toBe(userHook);
  });

  test('wrapping twice merges the options, outer over inner, and applies the plugin once', async () => {
    const inner = withActionGuard({ checks: { 'inline-action': 'warn', 'missing-schema': 'warn' } })({ basePath: '/x' });
    const outer = withActionGuard({ checks: { 'inline-action': 'error' } })(inner);
    const config = await outer(BUILD, context);
    const rules = ourWebpackRules(runWebpack(config));
    expect(rules).toHaveLength(1);
    expect(loaderOptionsOf(rules[0]!).config.checks).toMatchObject({ 'inline-action': 'error', 'missing-schema': 'warn' });
    expect(config.basePath).toBe('/x');
    expect((turbopackRules(config)[OUR_GLOB] as unknown[]).length).toBe(1);
  });

  test('a config that passes through the plugin twice (another plugin in between) holds one rule per bundler', async () => {
    const once = await withActionGuard()({})(BUILD, context);
    const twice = await applyActionGuard(once, { options: {}, phase: BUILD, projectDir });
    expect(ourWebpackRules(runWebpack(twice))).toHaveLength(1);
    expect((turbopackRules(twice)[OUR_GLOB] as unknown[]).length).toBe(1);
    expect(twice.compiler?.runAfterProductionCompile).toBe(once.compiler?.runAfterProductionCompile);
  });

  test('refuses to apply itself twice with different options where they cannot be merged', async () => {
    const once = await withActionGuard()({})(BUILD, context);
    await expect(
      applyActionGuard(once, { options: { checks: { 'inline-action': 'error' } }, phase: BUILD, projectDir }),
    ).rejects.toThrow(/applied twice with different options/);
  });

  test('emits the Next 15.5 rules syntax (named conditions) when Next 15.5 is installed', async () => {
    const config = await applyActionGuard({}, { options: {}, phase: BUILD, projectDir, nextVersion: '15.5.29' });
    const turbopack = config.turbopack as { conditions: Record<string, unknown>; rules: Record<string, unknown> };
    expect(turbopack.conditions['#actionGuard/use-server']).toEqual({ path: /\.(c|m)?[jt]sx?$/, content: SERVER_DIRECTIVE_PREFILTER });
    expect(turbopack.rules['#actionGuard/use-server']).toMatchObject({ foreign: false, loaders: [{ loader: '@action-guard/next/loader' }] });
    expect(turbopack.rules[OUR_GLOB]).toBeUndefined();
  });

  test('refuses a Next version older than 15.5, naming the supported setup', async () => {
    await expect(applyActionGuard({}, { options: {}, phase: BUILD, projectDir, nextVersion: '15.3.4' })).rejects.toThrow(
      /does not support next@15\.3\.4\. Supported: next 16\.x .* or next 15\.5\.x/,
    );
  });

  test('validates inline options when withActionGuard() is called', () => {
    expect(() => withActionGuard({ rulez: {} } as never)).toThrow(/rulez: unknown key\. Valid keys: runtime, rules/);
  });

  test('tells the runtime which key a production build used (its fingerprint, never the key), and nothing in dev', async () => {
    const key = Buffer.alloc(32, 9).toString('base64');
    vi.stubEnv('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY', key);
    const built = await withActionGuard()({ env: { MINE: '1' } })(BUILD, context);
    expect(built.env).toEqual({ MINE: '1', ACTION_GUARD_BUILD_KEY_FINGERPRINT: await fingerprintEncryptionKey(key) });
    expect(JSON.stringify(built.env)).not.toContain(key);
    const dev = await withActionGuard()({ env: { MINE: '1' } })(DEV, context);
    expect(dev.env).toEqual({ MINE: '1' });
    vi.stubEnv('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY', '');
    const generated = await withActionGuard()({})(BUILD, context);
    expect(generated.env).toEqual({ ACTION_GUARD_BUILD_KEY_FINGERPRINT: 'generated' });
  });

  test('fails on a malformed encryption key with the fix, never printing the key', async () => {
    const key = 'c2VjcmV0LWJ1dC10b28tc2hvcnQ=';
    vi.stubEnv('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY', key);
    const error = await withActionGuard()({})(BUILD, context).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/AG306 malformed-encryption-key: .* decodes to 20 bytes/);
    expect((error as Error).message).toContain('fix:');
    expect((error as Error).message).not.toContain(key);
  });

  test('accepts a well-formed encryption key', async () => {
    vi.stubEnv('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY', Buffer.alloc(32, 7).toString('base64'));
    await expect(withActionGuard()({})(BUILD, context)).resolves.toBeDefined();
  });
});
