/**
 * The build layout every package agrees on: which files the loader sees, where the loader's records and the
 * manifest live under Next's distDir, and the environment variables that carry keys between build and run time.
 * Paths are given as segments (joined by the caller with `node:path`), so this module stays edge-safe.
 */

/** The JS and TS module types Next compiles, and so the files the bundler rules hand to the loader. */
export const SOURCE_FILE_EXTENSIONS = ['js', 'jsx', 'mjs', 'cjs', 'ts', 'tsx', 'mts', 'cts'] as const;

/** {@link SOURCE_FILE_EXTENSIONS} as a regular expression (the webpack rule's `test`, Turbopack 15.5's `path`). */
export const SOURCE_FILE_PATTERN = /\.(c|m)?[jt]sx?$/;

/** {@link SOURCE_FILE_EXTENSIONS} as the glob Next 16's Turbopack rules are keyed by. */
export const SOURCE_FILE_GLOB = `*.{${SOURCE_FILE_EXTENSIONS.join(',')}}`;

/** The bundlers' rules exclude installed packages (webpack `exclude`, Turbopack `not: 'foreign'`). */
export const VENDOR_PATTERN = /node_modules/;

/** Type declarations are never compiled to modules. */
export const DECLARATION_FILE_PATTERN = /\.d\.[cm]?ts$/;

/**
 * Whether the loader can see a file, by its posix path relative to the project root: inside the project, not under
 * node_modules. The build (why an action has no record), the manifest (whether an unguarded action is app code) and
 * `audit` (which files to analyse, which manifest entries are app code) all ask this one question.
 */
export function isInsideLoaderReach(file: string): boolean {
  return !file.startsWith('../') && !file.split('/').includes('node_modules');
}

/**
 * Whether `audit` analyses a file found on disk (posix path relative to the project root): one the loader would see
 * and that is a module, not a type declaration. The bundlers additionally skip files without the directive text.
 */
export function isLoaderSourceFile(file: string): boolean {
  return isInsideLoaderReach(file) && SOURCE_FILE_PATTERN.test(file) && !DECLARATION_FILE_PATTERN.test(file);
}

/** The directory under distDir that action-guard owns (the manifest and its envelope live there). */
export const ACTION_GUARD_DIR = 'action-guard';

/**
 * Where the loader writes one record per transformed module and the post-build step reads them:
 * `<distDir>/cache/action-guard/records`. Under `cache/` because Next keeps that folder between builds, like the
 * bundlers' persistent caches: a module served from those caches never reaches the loader again, so its record must
 * survive too. Freshness comes from the source hash, not the folder.
 */
export const RECORDS_DIR_SEGMENTS = ['cache', ACTION_GUARD_DIR, 'records'] as const;

/** The manifest's file name inside `<distDir>/action-guard/`. */
export const MANIFEST_FILE = 'manifest.json';

/** The DSSE envelope's file name inside `<distDir>/action-guard/`. */
export const ENVELOPE_FILE = 'manifest.dsse.json';

/** The environment variable Next reads the Server Actions encryption key from. */
export const ENCRYPTION_KEY_ENV = 'NEXT_SERVER_ACTIONS_ENCRYPTION_KEY';

/** The environment variable holding the manifest signing key (docs/reference.md §4). */
export const SIGNING_KEY_ENV = 'ACTION_GUARD_SIGNING_KEY';

/**
 * The variable through which the build tells the runtime which key it used (`withActionGuard()` sets it through
 * next.config `env`, which Next inlines into the server bundles; the runtime's key check reads it).
 */
export const BUILD_KEY_FINGERPRINT_ENV = 'ACTION_GUARD_BUILD_KEY_FINGERPRINT';
