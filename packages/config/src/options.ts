/**
 * What users write in `action-guard.config.*` or pass to `withActionGuard({...})`, and what the build uses
 * after defaults are applied. The shapes follow docs/architecture.md §2; change both ends together.
 */
import type { ResolvedBaseline } from './baseline-file.js';

/** How seriously a check is taken: `error` fails the build, `warn` prints, `off` ignores it. */
export type Severity = 'error' | 'warn' | 'off';

/**
 * Checks the build itself runs (not the transform): they look at the environment and the finished build.
 * Their names share the `checks` namespace with the transform's diagnostics, and equal the names of the
 * findings @action-guard/manifest reports (its MANIFEST_FINDINGS), which the post-build step re-grades by them.
 * A malformed encryption key is deliberately not here: it always fails, because Next would fail at run time.
 */
export const BUILD_CHECKS = [
  {
    name: 'missing-encryption-key',
    defaultSeverity: 'warn',
    description:
      'A production build has no NEXT_SERVER_ACTIONS_ENCRYPTION_KEY, so action IDs change every build and instances disagree.',
  },
  {
    name: 'missing-signing-key',
    defaultSeverity: 'warn',
    description: 'No ACTION_GUARD_SIGNING_KEY is set, so the action manifest is written without a signature.',
  },
  {
    name: 'unguarded-action',
    defaultSeverity: 'error',
    description: 'Next registered a Server Action that the transform did not guard.',
  },
  {
    name: 'unreferenced-action',
    defaultSeverity: 'warn',
    description: 'A Server Action is registered and callable by ID, but no client code references it.',
  },
] as const satisfies readonly { name: string; defaultSeverity: Severity; description: string }[];

/** The name of a build-side check (see {@link BUILD_CHECKS}). */
export type BuildCheckName = (typeof BUILD_CHECKS)[number]['name'];

/**
 * A directory rule: a policy floor for every action in files matching its glob, written with the tags' names
 * and argument syntax (docs/reference.md §2). Tags in the source may add to it, never weaken it.
 */
export interface RulePolicy {
  /** Callable without a session; the value is the reason shown by audit (like `@public <reason>`). */
  public?: string;
  /** A session must resolve (like `@requiresAuth`). */
  requiresAuth?: boolean;
  /** The session must hold at least one of these roles (like `@role`); implies `requiresAuth`. */
  role?: string | string[];
  /** Idempotency source and optional TTL, e.g. `'key:idempotencyKey 24h'` (like `@dedupe`). */
  dedupe?: string;
  /** Rate limit, e.g. `'30/1m by:user'` (like `@rateLimit`). */
  rateLimit?: string;
  /** Targets revalidated after every action here succeeds, e.g. `'tag:invoices path:/invoices'` (like `@revalidates`); tags add to them. */
  revalidates?: string;
}

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
