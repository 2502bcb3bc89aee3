import { SOURCE_FILE_GLOB, SOURCE_FILE_PATTERN } from '@action-guard/contracts';
import { SERVER_DIRECTIVE_PREFILTER } from '@action-guard/transform/checks';
import type { LoaderOptions } from './loader-options.js';
import type { TurbopackRulesSyntax } from './next-version.js';
import { appliedTwiceError } from './webpack-rule.js';

/** The glob our Turbopack rule is keyed by: every JS/TS module type Next compiles (the build layout of @action-guard/contracts). */
export const TURBOPACK_GLOB = SOURCE_FILE_GLOB;

/** The key of our named condition and rule on Next 15.5, whose rules cannot carry conditions themselves. */
export const TURBOPACK_15_CONDITION = '#actionGuard/use-server';

/** The loader specifier, resolved by Turbopack from the project (a package path survives monorepos and `file:`). */
export const LOADER_SPECIFIER = '@action-guard/next/loader';

// The transform's own pre-filter, which the loader applies too: a plain `"use server"` or a quoted spelling that
// starts an escape or line continuation within it (`'use\x20server'`, `'\u0075se server'`), so no file Next treats
// as a server module is skipped. The condition matches anywhere in a file; the transform decides from the cooked
// directive prologue.
const USE_SERVER_CONTENT = SERVER_DIRECTIVE_PREFILTER;

type LoaderItem = string | { loader: string; options?: Record<string, unknown> };
type RuleItem = { loaders?: LoaderItem[]; condition?: unknown; as?: string; type?: string } & Record<string, unknown>;
type RuleValue = RuleItem | (LoaderItem | RuleItem)[] | false;

/** The `turbopack` part of a Next config, loosely typed: 15.5 and 16 disagree on its shape. */
export interface TurbopackConfig {
  rules?: Record<string, RuleValue>;
  conditions?: Record<string, unknown>;
  [key: string]: unknown;
}

function isRuleItem(item: LoaderItem | RuleItem): item is RuleItem {
  return typeof item === 'object' && ('loaders' in item || 'condition' in item || 'type' in item);
}

function ourLoaderIn(value: unknown): LoaderItem | undefined {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const loaders = ((item as RuleItem).loaders ?? [item]) as unknown[];
    const ours = loaders.find(
      (loader): loader is LoaderItem =>
        typeof loader === 'object' && loader !== null && (loader as { loader?: unknown }).loader === LOADER_SPECIFIER,
    );
    if (ours) return ours;
  }
  return undefined;
}

/** Returns true when `value` already runs our loader with these options; throws when it runs it differently. */
function alreadyHasOurRule(value: unknown, options: LoaderOptions): boolean {
  const ours = ourLoaderIn(value);
  if (!ours) return false;
  if (typeof ours === 'string' || JSON.stringify(ours.options) !== JSON.stringify(options)) throw appliedTwiceError();
  return true;
}

/**
 * Returns a copy of the user's `turbopack` config with our rule merged in, never replacing a rule of theirs:
 * an existing rule under the same key becomes an array with ours appended (docs/next-internals.md §5 and implication 6).
 * No `as`: renaming the module type would change every action ID.
 */
export function mergeTurbopackRules(
  turbopack: TurbopackConfig | undefined,
  options: LoaderOptions,
  syntax: TurbopackRulesSyntax,
): TurbopackConfig {
  const merged: TurbopackConfig = { ...turbopack, rules: { ...turbopack?.rules } };
  const rules = merged.rules!;
  const loaders = [{ loader: LOADER_SPECIFIER, options: options as unknown as Record<string, unknown> }];

  if (syntax === 'named-conditions') {
    // Next 15.5: a named condition (path + content) and a rule keyed by its name; `foreign: false` keeps
    // node_modules out, the same shape Next 15.5 itself uses to wire the React Compiler.
    if (alreadyHasOurRule(rules[TURBOPACK_15_CONDITION], options)) return merged;
    merged.conditions = {
      ...turbopack?.conditions,
      [TURBOPACK_15_CONDITION]: { path: SOURCE_FILE_PATTERN, content: USE_SERVER_CONTENT },
    };
    rules[TURBOPACK_15_CONDITION] = { foreign: false, loaders };
    return merged;
  }

  const ours: RuleItem = { condition: { all: [{ not: 'foreign' }, { content: USE_SERVER_CONTENT }] }, loaders };
  const existing = rules[TURBOPACK_GLOB];
  if (existing === undefined || existing === false) {
    // `false` disables the key for the user's own loaders; ours still has to run, or actions go unguarded.
    rules[TURBOPACK_GLOB] = [ours];
  } else if (alreadyHasOurRule(existing, options)) {
    return merged;
  } else if (Array.isArray(existing)) {
    // A bare array of loaders is a shortcut for one rule; keep its meaning by wrapping it before appending.
    rules[TURBOPACK_GLOB] = existing.some(isRuleItem)
      ? [...existing, ours]
      : [{ loaders: existing as LoaderItem[] }, ours];
  } else {
    rules[TURBOPACK_GLOB] = [existing, ours];
  }
  return merged;
}
