/**
 * What users write in `action-guard.config.*` or pass to `withActionGuard({...})`, and what the build uses
 * after defaults are applied. The shapes follow docs/architecture.md §2; change both ends together.
 */
import { MANIFEST_FINDINGS, type BuildCheckName, type RulePolicy, type Severity } from '@action-guard/contracts';
import type { ResolvedBaseline } from './baseline-file.js';

export type { BuildCheckName, RulePolicy, Severity } from '@action-guard/contracts';

/**
 * Checks the build itself runs (not the transform): they look at the environment and the finished build. They are
 * the AG3xx entries of the registry marked `check` (@action-guard/contracts), whose names share the `checks`
 * namespace with the transform's diagnostics. A malformed encryption key is deliberately not one: it always fails,
 * because Next would fail at run time.
 */
export const BUILD_CHECKS = MANIFEST_FINDINGS.filter((finding) => finding.check).map(({ name, defaultSeverity, description }) => ({
  name: name as BuildCheckName,
  defaultSeverity,
  description,
}));

/** Settings of the post-build action manifest (docs/reference.md §4). */
export interface ManifestOptions {
  /**
   * Fail the build when no signing key is configured, instead of warning.
   * Same switch as `checks['missing-signing-key']: 'error'`.
   * @default false
   */
  requireSignature?: boolean;
  /**
   * Fail the build when Next registered an action that the transform did not guard.
   * Same switch as `checks['unguarded-action']: 'error'`.
   * @default true
   */
  failOnUnguarded?: boolean;
  /**
   * npm packages whose own Server Actions the app accepts unguarded (e.g. `['@clerk/nextjs']`: ClerkProvider
   * registers the library's cache and keyless actions in every app that renders it). Their actions stay
   * `guarded: false` in the manifest and the build lists them in one line, but they are not AG301 errors. Only
   * files under `node_modules/<package>/` match; the app's own files never do (docs/adopting.md).
   * @default []
   */
  libraryActions?: string[];
}

/** Settings of the build-time check of `NEXT_SERVER_ACTIONS_ENCRYPTION_KEY` (docs/reference.md §5). */
export interface EncryptionKeyOptions {
  /**
   * What a production build without the key does. A malformed key always fails the build.
   * Same switch as `checks['missing-encryption-key']`.
   * @default 'warn'
   */
  missing?: Severity;
}

/**
 * The options a user writes. `CheckName` is left open to string here and checked against the registry at load
 * time, so a misspelt check name is an error rather than a silently ignored key.
 */
export interface Options {
  /**
   * Path of the server module whose default export is `defineRuntime({...})`, relative to the project root.
   * `null` uses `@action-guard/runtime/default` (no sessions: only `@public` actions can pass).
   * @default null
   */
  runtime?: string | null;
  /**
   * Directory rules: a glob relative to the project root mapped to a policy floor.
   * @default {}
   */
  rules?: Record<string, RulePolicy>;
  /**
   * Severity per check, keyed by the check's kebab-case name (the transform's diagnostics and the build checks).
   * @default every check at its documented default severity (strict)
   */
  checks?: Record<string, Severity>;
  /**
   * Globs (relative to the project root) where `"use server"` modules may live; `null` allows them anywhere.
   * A module elsewhere is reported by the `use-server-outside-action-paths` check.
   * @default null
   */
  actionPaths?: string[] | null;
  /**
   * What carries secrets besides `process.env` and secret-looking names, for the `captured-secret` check: functions
   * called to get one (`getSecret`, `vault.read`), modules whose imports are secrets (`@/lib/secrets`), or imported
   * names (`stripeKey`).
   * @default []
   */
  secretSources?: string[];
  /**
   * The app's own auth function names for `action-guard suggest`, added to its built-in list (docs/adopting.md §3):
   * `guards` throw or redirect when no one is signed in (a call gates the body by itself); `lookups` return the
   * session or null (the body must then leave on a missing one).
   * @default { guards: [], lookups: [] }
   */
  authFunctions?: { guards?: string[]; lookups?: string[] };
  /** Post-build manifest settings. @default { requireSignature: false, failOnUnguarded: true } */
  manifest?: ManifestOptions;
  /** Encryption-key check settings. @default { missing: 'warn' } */
  encryptionKey?: EncryptionKeyOptions;
}

/** The configuration after loading, merging and validation: every field present, paths absolute. */
export interface ResolvedConfig {
  /** Absolute path of the project root (the directory of next.config and of the config file). */
  root: string;
  /** Absolute path of the config file that was read, or `null` when there is none. */
  configFile: string | null;
  /** Absolute path of the runtime module, or `null` for `@action-guard/runtime/default`. */
  runtime: string | null;
  /** Directory rules, globs relative to `root`. */
  rules: Record<string, RulePolicy>;
  /** Severity of every known check (transform and build), defaults filled in. */
  checks: Record<string, Severity>;
  /** Globs where `"use server"` modules may live, or `null` for anywhere. */
  actionPaths: string[] | null;
  /** Secret-bearing calls, modules and imported names (`captured-secret`); absent when none are configured. */
  secretSources?: string[];
  /** The app's auth function names for `suggest`, beside its built-in list. */
  authFunctions: { guards: string[]; lookups: string[] };
  /** Post-build manifest settings, consistent with `checks`. */
  manifest: { requireSignature: boolean; failOnUnguarded: boolean; libraryActions: string[] };
  /** Encryption-key check settings, consistent with `checks`. */
  encryptionKey: { missing: Severity };
  /** `action-guard.baseline.json` at the root, read by loadConfig(); absent or null without one (docs/adopting.md). */
  baseline?: ResolvedBaseline | null;
}

/** Identity helper that types a config file: `export default defineConfig({ ... })`. */
export function defineConfig(options: Options): Options {
  return options;
}
