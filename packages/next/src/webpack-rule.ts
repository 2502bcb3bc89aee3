import { SOURCE_FILE_PATTERN, VENDOR_PATTERN } from '@action-guard/contracts';
import type { Configuration, RuleSetRule } from 'webpack';
import type { LoaderOptions } from './loader-options.js';

/** Files the loader may see (the build layout of @action-guard/contracts); it skips those without a directive itself. */
export const SOURCE_FILES = SOURCE_FILE_PATTERN;

function findOurUse(rule: unknown, loader: string): { loader: string; options?: unknown } | undefined {
  if (typeof rule !== 'object' || rule === null) return undefined;
  const use: unknown = (rule as RuleSetRule).use;
  if (!Array.isArray(use)) return undefined;
  return (use as unknown[]).find(
    (entry): entry is { loader: string; options?: unknown } =>
      typeof entry === 'object' && entry !== null && (entry as { loader?: unknown }).loader === loader,
  ) as { loader: string; options?: unknown } | undefined;
}

/**
 * Adds the loader to a webpack config as an `enforce: 'pre'` rule, so it runs before `next-swc-loader` on every
 * layer of every compiler (docs/next-internals.md "What a throwaway prototype loader showed": server-only wiring gives two IDs per action).
 * A config that already holds our rule (withActionGuard applied twice through another plugin) keeps one copy.
 */
export function addWebpackRule(config: Configuration, loader: string, options: LoaderOptions): Configuration {
  config.module ??= {};
  config.module.rules ??= [];
  const existing = config.module.rules.map((rule) => findOurUse(rule, loader)).find(Boolean);
  if (existing) {
    if (JSON.stringify(existing.options) !== JSON.stringify(options)) throw appliedTwiceError();
    return config;
  }
  config.module.rules.push({
    test: SOURCE_FILES,
    exclude: VENDOR_PATTERN,
    enforce: 'pre',
    use: [{ loader, options }],
  });
  return config;
}

/** The error for two different applications of the plugin that cannot be merged. */
export function appliedTwiceError(): Error {
  return new Error(
    'withActionGuard() was applied twice with different options through another config plugin, so the two cannot be merged. Apply it once, with all options.',
  );
}
