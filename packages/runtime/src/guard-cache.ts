import { FAILURE_MESSAGES } from './failures.js';
import { ForbiddenFieldError, readPositionalSchemas, validateArguments, type ArgumentsOutcome, type ValidationErrors } from './input.js';
import type { ActionMeta } from './types.js';

/**
 * The guard of a `"use cache"` function (crates-free-js-transform/README.md, "`use cache` functions").
 *
 * With `cacheComponents` on, Next registers every `"use cache"` function as a server reference callable by ID, so
 * anyone who has the ID can call it over HTTP with arguments of their choice. A cache function runs outside the
 * request (Next forbids `cookies()` and `headers()` inside it) and its result is served to every caller with the
 * same arguments, so a session check, a rate limit or idempotency inside it would be meaningless: the build allows
 * only `@public` on it (`cache-function-policy`, AG115). What the guard can and does do is validate every argument
 * with the schema of its position (the same `validateArguments` the action guard uses) and hand the body only the
 * validated values.
 *
 * It never reads the session, cookies, headers or the client address, and never touches a store. A refusal is
 * thrown, never returned: a cache function's thrown error is not cached, while a returned failure would be stored
 * and served to every caller with those arguments.
 */

/** Codes a cache function's guard refuses with (a subset of the action guard's failure codes). */
export type CacheGuardErrorCode = 'INVALID_INPUT' | 'FORBIDDEN';

/** Prefix of the `digest` of a {@link CacheGuardError}: `ACTION_GUARD_INVALID_INPUT`, `ACTION_GUARD_FORBIDDEN`. */
export const CACHE_GUARD_DIGEST_PREFIX = 'ACTION_GUARD_';

/**
 * What `guardCache` throws when it refuses a call. Typed (`code`, and `digest` `ACTION_GUARD_<code>`, which Next
 * keeps as the digest a client sees in production, where React omits messages); the message is the fixed,
 * user-safe one of the code and the stack holds no frames, so nothing of the server's code or the arguments leaks.
 */
export class CacheGuardError extends Error {
  /** Which check refused the call. */
  readonly code: CacheGuardErrorCode;
  /** `ACTION_GUARD_<code>`: Next's error handler passes an error's own digest to the client unchanged. */
  readonly digest: string;
  /** The ref of the cache function (`app/page.tsx#Page/load`). */
  readonly ref: string;
  /** Field-level validation messages (for `INVALID_INPUT`), keyed by dotted path (`0.id` for argument 0's `id`). */
  readonly fieldErrors: Record<string, string[]>;
  /** Validation messages without a path (for `INVALID_INPUT`), or why the policy cannot be enforced (`FORBIDDEN`). */
  readonly formErrors: string[];

  constructor(code: CacheGuardErrorCode, ref: string, errors: ValidationErrors = { fieldErrors: {}, formErrors: [] }) {
    super(FAILURE_MESSAGES[code]);
    this.name = 'CacheGuardError';
    this.code = code;
    this.digest = `${CACHE_GUARD_DIGEST_PREFIX}${code}`;
    this.ref = ref;
    this.fieldErrors = errors.fieldErrors;
    this.formErrors = errors.formErrors;
    // No frames: the error may be serialised for a caller outside the server.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Whether a value is the error `guardCache` throws (also across realms: compared by name and digest). */
export function isCacheGuardError(value: unknown): value is CacheGuardError {
  return (
    value instanceof CacheGuardError ||
    (value instanceof Error && value.name === 'CacheGuardError' &&
      String((value as Error & { digest?: unknown }).digest).startsWith(CACHE_GUARD_DIGEST_PREFIX))
  );
}

/** Why the policy of a cache function cannot be enforced, or null when it is `@public` with nothing else. */
function unenforceable(meta: ActionMeta): string | null {
  const { policy } = meta;
  if (policy.auth !== 'public') return 'it requires auth, which a "use cache" function cannot check';
  if (policy.roles.length > 0 || policy.authorize !== null) return 'it has a role or authorize check, which a "use cache" function cannot make';
  if (policy.dedupe !== null || policy.rateLimit !== null) return 'it has @dedupe or @rateLimit, which a "use cache" function cannot apply';
  return null;
}

/** No schema: the function declares no parameters (or the build's missing-schema check was turned off). */
const NO_SCHEMAS = { schemas: [], rest: false } as const;

/**
 * Runs a `"use cache"` function's body with validated arguments. `args` are the call's arguments as the declared
 * parameters receive them (the transform passes them like `guard`'s); each is validated by the schema of its
 * position and `impl` receives the schemas' outputs (a FormData as a FormData of the kept fields). A cache
 * function without schemas accepts no argument.
 *
 * Throws a {@link CacheGuardError}: `INVALID_INPUT` when an argument fails its schema (or there are more arguments
 * than schemas, or a FormData carries a forbidden field), `FORBIDDEN` when the metadata asks for anything but
 * `@public` (only possible when the build's `cache-function-policy` or `missing-auth-decision` check was turned off:
 * the call fails closed). `impl` never runs then.
 */
export async function guardCache<TArgs extends [] | unknown[], TResult>(
  meta: ActionMeta,
  args: TArgs,
  impl: (...args: NoInfer<TArgs>) => TResult,
): Promise<Awaited<TResult>> {
  const why = unenforceable(meta);
  if (why !== null) throw new CacheGuardError('FORBIDDEN', meta.ref, { fieldErrors: {}, formErrors: [`"use cache" function ${meta.ref}: ${why}.`] });
  const positional = readPositionalSchemas(meta) ?? NO_SCHEMAS;
  let checked: ArgumentsOutcome | Promise<ArgumentsOutcome>;
  try {
    checked = validateArguments(positional, args);
  } catch (error) {
    if (!(error instanceof ForbiddenFieldError)) throw error;
    throw new CacheGuardError('INVALID_INPUT', meta.ref, { fieldErrors: {}, formErrors: [`Field "${error.field}" is not allowed.`] });
  }
  const outcome = checked instanceof Promise ? await checked : checked;
  if (!outcome.ok) throw new CacheGuardError('INVALID_INPUT', meta.ref, outcome.errors);
  return await impl(...(outcome.args as TArgs));
}
