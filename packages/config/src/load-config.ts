import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DIAGNOSTICS } from '@action-guard/contracts';
import { ConfigError } from './config-error.js';
import { configTransform } from './config-transform.js';
import { BUILD_CHECKS, type Options, type ResolvedConfig, type Severity } from './options.js';
import { validateOptions } from './validate-options.js';
import { readBaselineFile } from './baseline-file.js';

/** File names searched in the project root, in this order (docs/reference.md §1). More than one present is an error. */
export const CONFIG_FILE_NAMES = [
  'action-guard.config.ts',
  'action-guard.config.mts',
  'action-guard.config.mjs',
  'action-guard.config.js',
  'action-guard.config.json',
] as const;

/** Source label of options passed in code rather than read from a file. */
export const INLINE_SOURCE = 'withActionGuard() options';

const RUNTIME_EXTENSIONS = ['', '.ts', '.tsx', '.mts', '.js', '.jsx', '.mjs'];

/** Arguments of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The project root: where `action-guard.config.*` is looked up and what relative paths resolve against. */
  cwd: string;
  /** Options merged over the file's (the inline options of `withActionGuard()`). */
  inline?: Options | undefined;
}

/** The severity of every check before user settings: the transform's registry plus the build checks. */
export function defaultChecks(): Record<string, Severity> {
  const checks: Record<string, Severity> = {};
  for (const diagnostic of DIAGNOSTICS) checks[diagnostic.name] = diagnostic.defaultSeverity;
  for (const check of BUILD_CHECKS) checks[check.name] = check.defaultSeverity;
  return checks;
}

/** Finds the config file in `cwd`; `null` when there is none. Several candidates are ambiguous, so an error. */
export function findConfigFile(cwd: string): string | null {
  const found = CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).filter((file) => existsSync(file));
  if (found.length > 1) {
    throw new ConfigError('AG203', cwd, [
      `several config files exist (${found.map((file) => path.basename(file)).join(', ')}); keep exactly one.`,
    ]);
  }
  return found[0] ?? null;
}

/** The jiti instance that evaluates a config file (and whatever it imports). */
function configJiti(file: string): import('jiti').Jiti {
  // jiti loads .ts/.mts (and ESM/CJS .js) without a build step, in the build process and in the CLI alike.
  // Required through createRequire rather than imported: webpack traces next.config's imports as cache build
  // dependencies and warns on every build that it cannot follow jiti's own `import(id)`.
  const { createJiti } = createRequire(import.meta.url)('jiti') as typeof import('jiti');
  // `fsCache` keeps jiti's transpiled output in the project's node_modules/.cache/jiti (the OS temp dir without
  // node_modules), keyed by each file's content: every later build of an unchanged config skips loading the
  // transpiler, most of `next build`'s config evaluation for a TypeScript config
  // (docs/measurements.md#config-jiti-cache). `moduleCache: false` still re-evaluates the file on every load, so an
  // edited config is always read fresh.
  return createJiti(file, { moduleCache: false, fsCache: true, transform: configTransform });
}

function loadFailure(file: string, error: unknown): ConfigError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConfigError('AG203', file, [`the file could not be loaded: ${reason}`]);
}

async function readConfigFile(file: string): Promise<unknown> {
  try {
    if (file.endsWith('.json')) return JSON.parse(readFileSync(file, 'utf8'));
    return await configJiti(file).import(file, { default: true });
  } catch (error) {
    throw loadFailure(file, error);
  }
}

/**
 * {@link readConfigFile} for callers that cannot await (ESLint rules): jiti's require-like call runs the same
 * transform and evaluates the file as CommonJS, so only a config with top-level `await` cannot load this way.
 */
function readConfigFileSync(file: string): unknown {
  try {
    if (file.endsWith('.json')) return JSON.parse(readFileSync(file, 'utf8'));
    const loaded = configJiti(file)(file) as { default?: unknown } | null | undefined;
    return loaded?.default ?? loaded;
  } catch (error) {
    throw loadFailure(file, error);
  }
}

/** Merges `over` onto `base`: nested option groups merge per key, everything else (arrays included) replaces. */
export function mergeOptions(base: Options, over: Options): Options {
  const merged: Options = { ...base, ...over };
  if (base.rules || over.rules) merged.rules = { ...base.rules, ...over.rules };
  if (base.checks || over.checks) merged.checks = { ...base.checks, ...over.checks };
  if (base.manifest || over.manifest) merged.manifest = { ...base.manifest, ...over.manifest };
  if (base.encryptionKey || over.encryptionKey) merged.encryptionKey = { ...base.encryptionKey, ...over.encryptionKey };
  return merged;
}

function resolveRuntime(root: string, runtime: string, source: string): string {
  const base = path.resolve(root, runtime);
  for (const extension of RUNTIME_EXTENSIONS) {
    const candidate = base + extension;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  // Fail closed: a runtime that cannot be found would otherwise surface as a bundler error in every action file.
  throw new ConfigError('AG202', source, [
    `runtime: ${JSON.stringify(runtime)} does not exist (looked for ${path.relative(root, base) || '.'} with ${RUNTIME_EXTENSIONS.filter(Boolean).join(', ')}).`,
  ]);
}

/**
 * Applies defaults to validated options and reconciles the two spellings of the build checks
 * (`checks['missing-signing-key']` and `manifest.requireSignature`, …): either may be set; both set and in
 * disagreement is an error, because guessing which one the user meant could weaken the build.
 */
export function resolveConfig(options: Options, root: string, configFile: string | null): ResolvedConfig {
  const source = configFile ?? INLINE_SOURCE;
  const checks = { ...defaultChecks(), ...options.checks };
  const aliases = [
    {
      check: 'missing-signing-key',
      alias: 'manifest.requireSignature',
      value: options.manifest?.requireSignature,
      severityOf: (v: boolean): Severity => (v ? 'error' : 'warn'),
    },
    {
      check: 'unguarded-action',
      alias: 'manifest.failOnUnguarded',
      value: options.manifest?.failOnUnguarded,
      severityOf: (v: boolean): Severity => (v ? 'error' : 'warn'),
    },
  ] as const;
  const issues: string[] = [];
  for (const { check, alias, value, severityOf } of aliases) {
    if (value === undefined) continue;
    const explicit = options.checks?.[check];
    if (explicit !== undefined && (explicit === 'error') !== value) {
      issues.push(`${alias}: ${value} contradicts checks["${check}"]: "${explicit}"; set only one of them.`);
    }
    if (explicit === undefined) checks[check] = severityOf(value);
  }
  const missingKey = options.encryptionKey?.missing;
  if (missingKey !== undefined) {
    const explicit = options.checks?.['missing-encryption-key'];
    if (explicit !== undefined && explicit !== missingKey) {
      issues.push(`encryptionKey.missing: "${missingKey}" contradicts checks["missing-encryption-key"]: "${explicit}"; set only one of them.`);
    }
    checks['missing-encryption-key'] = explicit ?? missingKey;
  }
  if (issues.length > 0) throw new ConfigError('AG202', source, issues);

  return {
    root,
    configFile,
    runtime: options.runtime ? resolveRuntime(root, options.runtime, source) : null,
    rules: options.rules ?? {},
    checks,
    actionPaths: options.actionPaths ?? null,
    ...(options.secretSources?.length ? { secretSources: options.secretSources } : {}),
    authFunctions: { guards: [...(options.authFunctions?.guards ?? [])], lookups: [...(options.authFunctions?.lookups ?? [])] },
    manifest: {
      requireSignature: checks['missing-signing-key'] === 'error',
      failOnUnguarded: checks['unguarded-action'] === 'error',
      libraryActions: [...(options.manifest?.libraryActions ?? [])],
    },
    encryptionKey: { missing: checks['missing-encryption-key'] ?? 'warn' },
  };
}

/**
 * Finds `action-guard.config.*` in `cwd`, validates it and the inline options strictly (each with its own source
 * in the error), merges inline over file and applies defaults. Without a file or options: strict defaults.
 */
export async function loadConfig({ cwd, inline }: LoadConfigOptions): Promise<ResolvedConfig> {
  const root = path.resolve(cwd);
  const configFile = findConfigFile(root);
  return finishLoading(root, configFile, configFile ? await readConfigFile(configFile) : {}, inline);
}

/**
 * {@link loadConfig}, synchronously: for callers that cannot await (ESLint rules). Same lookup, validation, merge
 * and errors; the one difference is that a config file using top-level `await` cannot be evaluated this way.
 */
export function loadConfigSync({ cwd, inline }: LoadConfigOptions): ResolvedConfig {
  const root = path.resolve(cwd);
  const configFile = findConfigFile(root);
  return finishLoading(root, configFile, configFile ? readConfigFileSync(configFile) : {}, inline);
}

function finishLoading(root: string, configFile: string | null, fileValue: unknown, inline: Options | undefined): ResolvedConfig {
  const checkNames = Object.keys(defaultChecks());
  const fileOptions = configFile ? validateOptions(fileValue, configFile, checkNames) : {};
  const inlineOptions = inline === undefined ? {} : validateOptions(inline, INLINE_SOURCE, checkNames);
  const config = resolveConfig(mergeOptions(fileOptions, inlineOptions), root, configFile);
  config.baseline = readBaselineFile(root);
  return config;
}
