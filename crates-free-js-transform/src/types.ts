/**
 * The public shapes of the transform (docs/architecture.md §1). The config package, the Next loader, the CLI and
 * the manifest all build against these; change both ends together.
 */
import type { BaselineEntry } from './baseline.js';
import type { CheckName } from './diagnostics/registry.js';

export type { CheckName } from './diagnostics/registry.js';

/** How seriously a check is taken in options: `error` fails the build, `warn` prints, `off` ignores it. */
export type Severity = 'error' | 'warn' | 'off';

/**
 * A directory rule: a policy floor for every action in files matching its glob, written with the tags' names and
 * argument syntax (docs/reference.md §2), e.g. `{ role: ['admin'], rateLimit: '30/1m by:user' }`.
 */
export interface RulePolicy {
  /** Callable without a session; the value is the reason (like `@public <reason>`). */
  public?: string;
  /** A session must resolve (like `@requiresAuth`). */
  requiresAuth?: boolean;
  /** The session must hold at least one of these roles (like `@role`); implies `requiresAuth`. */
  role?: string | string[];
  /** Idempotency source and optional TTL, e.g. `'key:idempotencyKey 24h'` (like `@dedupe`). */
  dedupe?: string;
  /** Rate limit, e.g. `'30/1m by:user'` (like `@rateLimit`). */
  rateLimit?: string;
  /**
   * Targets every action here revalidates after it succeeds, e.g. `'tag:invoices path:/invoices'` (like
   * `@revalidates`). Tags add targets to the rule's, never remove them.
   */
  revalidates?: string;
}

/** What callers pass to {@link transform} besides the source text. */
export interface TransformOptions {
  /** Path of the file: absolute, or relative to `root`. Its extension picks the parser (`.ts` parses without JSX). */
  filename: string;
  /**
   * Project root (the directory of next.config); refs, `file` and directory-rule globs are posix paths relative to it.
   * @default process.cwd()
   */
  root?: string;
  /**
   * Specifier the emitted code imports the runtime from (its default export is the `defineRuntime(...)` result).
   * @default '@action-guard/runtime/default'
   */
  runtimeImport?: string;
  /**
   * Directory rules: globs relative to `root` mapped to policy floors (docs/reference.md §2).
   * @default {}
   */
  rules?: Record<string, RulePolicy>;
  /**
   * Severity per check name; unset checks keep their default from {@link DIAGNOSTICS}.
   * @default {}
   */
  checks?: Partial<Record<CheckName, Severity>>;
  /**
   * Globs (relative to `root`) where `"use server"` modules may live; `null` allows them anywhere.
   * @default null
   */
  actionPaths?: string[] | null;
  /**
   * What else carries secrets, for the `captured-secret` check (besides `process.env` and secret-looking names): a
   * function called to get one (`getSecret`, `vault.read`), a module whose imports are secrets (`@/lib/secrets`), or
   * an imported name (`stripeKey`).
   * @default []
   */
  secretSources?: string[];
  /**
   * Entries of `action-guard.baseline.json` (src/baseline.ts); entries of other files are ignored. A finding listed
   * there is reported as a warning marked `baselined`, and its action records the checks in `baselined`.
   * @default []
   */
  baseline?: BaselineEntry[];
  /**
   * Whether to return a source map of the edits.
   * @default true
   */
  sourceMaps?: boolean;
}

/** A source map in its JSON form (version 3), pointing back into the input. */
export interface EncodedSourceMap {
  /** Always 3. */
  version: number;
  /** The output file name. */
  file: string;
  /** The input file, as one entry. */
  sources: string[];
  /** The input text. */
  sourcesContent: (string | null)[];
  /** Identifier names the mappings refer to. */
  names: string[];
  /** VLQ-encoded mappings. */
  mappings: string;
}

/** What {@link transform} returns. */
export interface TransformResult {
  /** The output text; the input itself when nothing changed. */
  code: string;
  /** Source map from `code` back to the input; `null` when nothing changed or maps are off. */
  map: EncodedSourceMap | null;
  /** Whether `code` differs from the input. */
  changed: boolean;
  /** Every action site found, guarded or not. */
  actions: ActionRecord[];
  /** Every problem found, all at once; sorted by position. */
  diagnostics: Diagnostic[];
}

/** One Server Action found in a file, with the policy the guard will enforce. */
export interface ActionRecord {
  /** Stable reference: `app/posts/actions.ts#createPost`; inline: `app/page.tsx#Page/save` (survives reordering). */
  ref: string;
  /** The file, posix, relative to root. */
  file: string;
  /**
   * The exported name (`default` for a default export; for a cache function, its name among the exports of a
   * `"use cache"` module); `null` for inline actions and inline cache functions.
   */
  exportName: string | null;
  /**
   * `export`: an export of a `"use server"` module; `inline`: an inline `"use server"` function; `cache`: a
   * `"use cache"` function (inline, or an export of a `"use cache"` module), which Next registers as the server
   * reference `$$RSC_SERVER_CACHE_<n>` when `cacheComponents` is on, callable by ID like an action. A cache function
   * runs outside the request, so its only auth decision is `@public` and its guard validates arguments only
   * (README "`use cache` functions").
   */
  kind: 'export' | 'inline' | 'cache';
  /**
   * The n in Next's `$$RSC_SERVER_ACTION_<n>` for an inline action, or in `$$RSC_SERVER_CACHE_<n>` for a cache
   * function (one counter, Next's traversal order); `null` for exports.
   */
  inlineIndex: number | null;
  /** Where the function starts: 1-based line, 0-based column. */
  loc: { line: number; column: number };
  /** The policy after tags, schema conventions and directory rules. */
  policy: NormalizedPolicy;
  /** Whether the emitted code routes calls through the guard (false only for forms that cannot be guarded). */
  guarded: boolean;
  /** The checks whose findings the baseline accepts for this action (sorted); absent when none. */
  baselined?: CheckName[];
  /**
   * The `@onFailure` function the guard maps its failures with, into the action's own result (docs/reference.md
   * §2); absent when none.
   */
  onFailure?: string;
}

/** A policy in one canonical shape, as the runtime and the manifest see it. */
export interface NormalizedPolicy {
  /** `required` unless `@public` (or a public directory rule) says otherwise; missing decisions fail closed. */
  auth: 'public' | 'required';
  /** The reason given with `@public`. */
  publicReason: string | null;
  /** Roles of which the session must hold at least one; sorted, unique. */
  roles: string[];
  /** Identifier of the `@authorize` function. */
  authorize: string | null;
  /**
   * The schemas, one per client-supplied parameter in order, joined with `, `: `IdSchema, StateSchema, FormSchema`
   * (`@schema`, or the `<action>Schema` export convention for one parameter); a rest parameter's is written
   * `...ItemsSchema`. `null` when there is none.
   */
  schema: string | null;
  /** Idempotency settings from `@dedupe`. */
  dedupe: { source: 'key' | 'header' | 'input'; name: string | null; ttlSeconds: number } | null;
  /** Rate limit from `@rateLimit`. */
  rateLimit: { limit: number; windowSeconds: number; by: 'user' | 'ip' | 'global' } | null;
  /** Globs of the directory rules that contributed. */
  fromRules: string[];
  /**
   * What the guard revalidates after the body succeeds (`@revalidates` and directory rules), sorted by kind, value
   * and profile. Absent when there is nothing to revalidate, so policies (and manifests) of actions without it keep
   * the shape and digest they had before the tag existed.
   */
  revalidates?: RevalidateTarget[];
}

/**
 * One `@revalidates` target. `value` is as written: a route (`/invoices/[id]`, a route pattern) or a tag, where
 * `{field}` stands for a field of the validated input, filled in per call.
 */
export interface RevalidateTarget {
  /** `path` → `revalidatePath(value)`; `layout` → `revalidatePath(value, 'layout')`; `tag` → `updateTag`/`revalidateTag`. */
  kind: 'path' | 'layout' | 'tag';
  /** The route or tag, with `{field}` placeholders. */
  value: string;
  /**
   * A tag's cache-life profile (`tag:posts max` → `revalidateTag('posts', 'max')` on Next 16); `null` for paths and
   * for tags without one (Next 16: `updateTag(tag)`, read-your-own-writes; Next 15: `revalidateTag(tag)`).
   */
  profile: string | null;
}

/** One problem found in a file, ready to print. */
export interface Diagnostic {
  /** Stable code, e.g. `AG101`. */
  code: string;
  /** Kebab-case name, the key users put in config `checks`, e.g. `missing-auth-decision`. */
  name: CheckName;
  /** `error` fails the build; `warning` is printed. */
  severity: 'error' | 'warning';
  /** What is wrong, in one sentence. */
  message: string;
  /** How to fix it. */
  fix: string;
  /** Link to the documentation of this diagnostic. */
  docs: string;
  /** The file, posix, relative to root. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column (for `file:line:col`). */
  column: number;
  /** Code frame around the location, without ANSI colours. */
  frame: string;
  /** Present when `action-guard.baseline.json` lists this finding: it was an error and is reported as a warning. */
  baselined?: true;
}
