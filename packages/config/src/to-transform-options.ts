import path from 'node:path';
import type { TransformerOptions, TransformOptions } from '@action-guard/transform';
import { DIAGNOSTICS } from '@action-guard/contracts';
import { DEFAULT_RUNTIME_IMPORT } from '@action-guard/transform/checks';
import type { ResolvedConfig } from './options.js';

/**
 * The specifier that imports `runtime` from `filename`: a posix relative path starting with `./` or `../`, so
 * webpack and Turbopack resolve it from the transformed file without aliases or tsconfig paths.
 */
export function runtimeImportFor(runtime: string | null, filename: string): string {
  if (runtime === null) return DEFAULT_RUNTIME_IMPORT;
  const relative = path.relative(path.dirname(filename), runtime).split(path.sep).join('/');
  return relative.startsWith('../') ? relative : `./${relative}`;
}

/**
 * The single place that turns configuration into the transform's options for a build (docs/architecture.md §2), for
 * `createTransformer()`: resolved once, then called per file. Build-side checks are left out: the transform only
 * knows its own diagnostics.
 */
export function toTransformerOptions(config: ResolvedConfig): TransformerOptions {
  const transformChecks = new Set<string>(DIAGNOSTICS.map((diagnostic) => diagnostic.name));
  const checks = Object.fromEntries(Object.entries(config.checks).filter(([name]) => transformChecks.has(name)));
  return {
    root: config.root,
    runtimeImport: (filename) => runtimeImportFor(config.runtime, filename),
    rules: config.rules,
    checks: checks as TransformOptions['checks'],
    actionPaths: config.actionPaths,
    ...(config.secretSources?.length ? { secretSources: config.secretSources } : {}),
    sourceMaps: true,
    // The transform keeps each file's entries; a project without a baseline passes the options it always did.
    ...(config.baseline?.findings.length ? { baseline: config.baseline.findings } : {}),
  };
}

/** The transform's options for one file: {@link toTransformerOptions} with the file's name and runtime import. */
export function toTransformOptions(config: ResolvedConfig, filename: string): TransformOptions {
  const absolute = path.resolve(config.root, filename);
  const { runtimeImport: _perFile, ...options } = toTransformerOptions(config);
  return { filename: absolute, root: config.root, runtimeImport: runtimeImportFor(config.runtime, absolute), ...options };
}
