import path from 'node:path';
import { toTransformerOptions } from '@action-guard/config';
import { countServerDirectiveCandidates, createTransformer, formatDiagnostic, type TransformResult } from '@action-guard/transform';
import type { LoaderContext } from 'webpack';
import type { LoaderOptions } from './loader-options.js';
import { sha256, writeModuleRecord } from './records.js';

// The same file reaches this loader once per layer (rsc, action-browser, ssr, app-pages-browser on webpack;
// node and browser on Turbopack) with identical content, so one parse serves them all. Keyed by content,
// file and options; bounded so a long `next dev` session cannot grow it without limit.
const CACHE_LIMIT = 500;
const cache = new Map<string, TransformResult>();

/** How often this process's loader parsed a file (misses) or reused a parse (hits); read by tests and the bench. */
export const cacheStats = { hits: 0, misses: 0 };

// The options are the same for every file of a build (the loader gets them serialised, once per call): the
// transformer validates them and compiles the rules' globs once, and is made anew only when they change.
let transformer: { key: string; transformFile: (code: string, filename: string) => TransformResult } | null = null;

function transformerFor(options: LoaderOptions): (code: string, filename: string) => TransformResult {
  const key = JSON.stringify(options.config);
  if (transformer?.key !== key) transformer = { key, transformFile: createTransformer(toTransformerOptions(options.config)) };
  return transformer.transformFile;
}

function transformCached(source: string, filename: string, options: LoaderOptions): TransformResult {
  const key = sha256(`${filename}\0${JSON.stringify(options)}\0${source}`);
  const hit = cache.get(key);
  if (hit) {
    cacheStats.hits += 1;
    cache.delete(key); // re-insert: Map order is recency order
    cache.set(key, hit);
    return hit;
  }
  cacheStats.misses += 1;
  const result = transformerFor(options)(source, filename);
  if (result.actions.length > 0) {
    const file = path.relative(options.config.root, filename).split(path.sep).join('/');
    writeModuleRecord(options.recordsDir, { file, sourceSha256: sha256(source), actions: result.actions });
  }
  cache.set(key, result);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return result;
}

/**
 * The action-guard loader for webpack and Turbopack: runs the transform and turns its diagnostics into
 * bundler errors (which fail `next build` and show in the `next dev` overlay) and warnings.
 */
export default function actionGuardLoader(this: LoaderContext<LoaderOptions>, source: string): void {
  // Next decides from the cooked directive (`'use\x20server'` is "use server"), so the skip test counts string
  // literals that cook to it in any spelling; the Turbopack rule's content condition is the same pre-filter.
  if (countServerDirectiveCandidates(source) === 0) return this.callback(null, source);
  const result = transformCached(source, this.resourcePath, this.getOptions());
  // A baselined finding is summarised once per build by the post-build step (post-build.ts baselineLines), not
  // printed per module on every compile: the baseline exists so that adopting does not bury the build output.
  for (const warning of result.diagnostics.filter((d) => d.severity === 'warning' && !d.baselined)) {
    this.emitWarning(new Error(formatDiagnostic(warning)));
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    // Every error at once. Our stack would only point into this loader and the bundler's loader runner, so it
    // is hidden: webpack honours `hideStack`; Turbopack prints `stack`, so that holds the message alone.
    const error = Object.assign(new Error(errors.map(formatDiagnostic).join('\n\n')), { hideStack: true });
    error.stack = `${error.name}: ${error.message}`;
    return this.callback(error);
  }
  if (!result.changed) return this.callback(null, source);
  // The transform names its source relative to the map's `file`; bundlers read `sources` without `file`, so
  // name the module by its absolute path as other loaders do (webpack then shows it as webpack:///./app/…).
  const map = result.map && { ...result.map, sources: [this.resourcePath] };
  this.callback(null, result.code, (map ?? undefined) as Parameters<typeof this.callback>[2]);
}
