/**
 * The shapes every package shares (docs/architecture.md "Where each piece of knowledge lives"): the transform writes
 * them, the loader persists them, the manifest stores them, the runtime enforces them. Declared once, here.
 */
import type { CheckName } from './diagnostics.js';

/** How seriously a check is taken in options: `error` fails the build, `warn` prints, `off` ignores it. */
export type Severity = 'error' | 'warn' | 'off';

/** Every {@link Severity}, in the order messages list them. */
export const SEVERITIES: readonly Severity[] = ['error', 'warn', 'off'];

/** The keys of a {@link RulePolicy}, in documentation order (unknown-key messages list them). */
export const RULE_POLICY_KEYS = ['public', 'requiresAuth', 'role', 'dedupe', 'rateLimit', 'revalidates'] as const satisfies readonly (keyof RulePolicy)[];

/**
 * A directory rule: a policy floor for every action in files matching its glob, written with the tags' names and
 * argument syntax (docs/reference.md §2, parsed by the grammar in ./grammar.ts), e.g.
 * `{ role: ['admin'], rateLimit: '30/1m by:user' }`. Tags in the source may add to it, never weaken it.
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

/** A policy in one canonical shape: the transform emits it, the runtime enforces it, the manifest stores it verbatim. */
export interface NormalizedPolicy {
  /** `required` unless `@public` (or a public directory rule) says otherwise; missing decisions fail closed. */
  auth: 'public' | 'required';
  /** The reason given with `@public`. */
  publicReason: string | null;
  /** Roles of which the session must hold at least one; sorted, unique. Empty: no role check. */
  roles: string[];
  /** Identifier of the `@authorize` function (the function itself reaches the runtime through its metadata). */
  authorize: string | null;
  /**
   * The schemas, one per client-supplied parameter in order, joined with `, `: `IdSchema, StateSchema, FormSchema`
   * (`@schema`, or the `<action>Schema` export convention for one parameter); a rest parameter's is written
   * `...ItemsSchema`. `null` when there is none. The manifest diffs them by position.
   */
  schema: string | null;
  /** Idempotency settings from `@dedupe`. */
  dedupe: DedupePolicy | null;
  /** Rate limit from `@rateLimit`. */
  rateLimit: RateLimitPolicy | null;
  /** Globs of the directory rules that contributed. */
  fromRules: string[];
  /**
   * What the guard revalidates after the body succeeds (`@revalidates` and directory rules), sorted by kind, value
   * and profile. Absent when there is nothing to revalidate, so policies (and manifests) of actions without it keep
   * the shape and digest they had before the tag existed; the manifest diffs them as a set.
   */
  revalidates?: RevalidateTarget[];
}

/** Idempotency settings of a policy (`@dedupe key:<field>|header:<Name>|input [ttl]`). */
export interface DedupePolicy {
  source: 'key' | 'header' | 'input';
  /** The field or header name; `null` for `input`. */
  name: string | null;
  ttlSeconds: number;
}

/** A rate limit of a policy (`@rateLimit <n>/<window> [by:…]`). */
export interface RateLimitPolicy {
  /** Calls allowed per window. */
  limit: number;
  /** Window length in seconds. */
  windowSeconds: number;
  /** Who shares one bucket. */
  by: 'user' | 'ip' | 'global';
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

/**
 * One module's records as the loader persists them (build layout: {@link RECORDS_DIR_SEGMENTS}), one file per module,
 * because loaders run in worker processes; the post-build step reads them back.
 */
export interface RecordFile {
  /** Posix path relative to the project root. */
  file: string;
  /** sha256 (hex) of the source the transform saw; the post-build step ignores records that no longer match. */
  sourceSha256: string;
  /** Every action the transform found in the module. */
  actions: ActionRecord[];
}
