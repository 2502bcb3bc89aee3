import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_NAMES, loadConfigSync, type ResolvedConfig } from '@action-guard/config';
import { BASELINE_FILE_NAME } from '@action-guard/transform/baseline';

/** The Next config names that mark a project root when it has no `action-guard.config.*`. */
const NEXT_CONFIG_NAMES = ['next.config.js', 'next.config.mjs', 'next.config.cjs', 'next.config.ts', 'next.config.mts'];

/** What a linted file needs from its project: the resolved config (with its baseline), or why it failed to load. */
export interface ProjectState {
  /** The project root: refs, `file` and directory-rule globs are relative to it, as in the build. */
  root: string;
  /**
   * The resolved config, or `null` when it failed to load (`errors` says why). Its `baseline` is
   * `action-guard.baseline.json` as the build reads it (`readBaselineFile`, called by `loadConfigSync`), and
   * `toTransformOptions` passes it to the transform as the build does (docs/adopting.md §2).
   */
  config: ResolvedConfig | null;
  /** Problems loading the config or the baseline (AG201–AG203), each reported once per linted action file. */
  errors: Error[];
}

interface CacheEntry {
  stamp: string;
  state: ProjectState;
}

/** One entry per project root for the life of the ESLint process; replaced when a stamp changes. */
const cache = new Map<string, CacheEntry>();

/**
 * The project root of a file, as the build sees it: the nearest directory, from the file upwards, that holds an
 * `action-guard.config.*` or a `next.config.*` (the build loads the config from the Next project directory).
 * Without either, the nearest directory with a `package.json`, else `fallback` (ESLint's cwd).
 */
export function findProjectRoot(file: string, fallback: string): string {
  let packageRoot: string | null = null;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) if (existsSync(path.join(dir, name))) return dir;
    for (const name of NEXT_CONFIG_NAMES) if (existsSync(path.join(dir, name))) return dir;
    if (packageRoot === null && existsSync(path.join(dir, 'package.json'))) packageRoot = dir;
    const parent = path.dirname(dir);
    if (parent === dir) return packageRoot ?? fallback;
  }
}

/** Size and modification time of a file, or `-` when it does not exist: what decides whether to reload it. */
function stampOf(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  } catch {
    return '-';
  }
}

/**
 * The config and baseline of the project `root`, loaded once per ESLint process and reloaded when a config file or
 * `action-guard.baseline.json` appears, disappears or changes. ESLint rules are synchronous, so this uses
 * {@link loadConfigSync}, which reads the baseline with the build's reader (an invalid one is AG203, as in the
 * build). Files a config imports are not watched: edit the config file itself (or restart the ESLint server) after
 * changing them.
 */
export function loadProjectState(root: string): ProjectState {
  const configStamps = CONFIG_FILE_NAMES.map((name) => stampOf(path.join(root, name)));
  const stamp = [...configStamps, stampOf(path.join(root, BASELINE_FILE_NAME))].join('|');
  const cached = cache.get(root);
  if (cached !== undefined && cached.stamp === stamp) return cached.state;

  let state: ProjectState;
  try {
    state = { root, config: loadConfigSync({ cwd: root }), errors: [] };
  } catch (error) {
    state = { root, config: null, errors: [error instanceof Error ? error : new Error(String(error))] };
  }
  cache.set(root, { stamp, state });
  return state;
}
