// Client-safe: this module is re-exported from `@action-guard/runtime/client`, so it must import nothing
// server-only (no stores, no Next, no `node:`).

/** Every failure code the guard can return (docs/reference.md §3). */
export const FAILURE_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INVALID_INPUT',
  'RATE_LIMITED',
  'IDEMPOTENCY_KEY_REQUIRED',
  'IDEMPOTENCY_KEY_IN_USE',
  'IDEMPOTENCY_KEY_MISMATCH',
  'ORIGIN_REJECTED',
  'INTERNAL_ERROR',
] as const;

/** One of the guard's failure codes. */
export type FailureCode = (typeof FAILURE_CODES)[number];

/** Fixed, user-safe messages: nothing from the request, the session or an exception ever goes in a message. */
export const FAILURE_MESSAGES: Readonly<Record<FailureCode, string>> = Object.freeze({
  UNAUTHENTICATED: 'You need to sign in to do this.',
  FORBIDDEN: 'You are not allowed to do this.',
  INVALID_INPUT: 'Some of the submitted values are not valid.',
  RATE_LIMITED: 'Too many requests. Please try again later.',
  IDEMPOTENCY_KEY_REQUIRED: 'This request needs an idempotency key.',
  IDEMPOTENCY_KEY_IN_USE: 'This request is already being processed. Please try again shortly.',
  IDEMPOTENCY_KEY_MISMATCH: 'This idempotency key was already used for a different request.',
  ORIGIN_REJECTED: 'This request was rejected because its origin could not be verified.',
  INTERNAL_ERROR: 'Something went wrong. Please try again.',
});

/**
 * The brand. A plain string-keyed property (not a Symbol) because React's Flight serialization drops symbols,
 * and `isActionFailure` must work on the client after the value crossed the wire.
 */
export const FAILURE_BRAND = '__actionGuard' as const;
/** Version of the failure shape carried in the brand property. */
export const FAILURE_BRAND_VERSION = 1 as const;

/** The details of a failure. */
export interface ActionFailureError {
  /** Which check failed. */
  code: FailureCode;
  /** A fixed message that is safe to show a user. */
  message: string;
  /** Field-level validation messages, keyed by dotted path (`items.0.qty`). Only for `INVALID_INPUT`. */
  fieldErrors?: Record<string, string[]>;
  /** Form-level validation messages (issues without a path). Only for `INVALID_INPUT`. */
  formErrors?: string[];
  /** Seconds until the caller may retry. For `RATE_LIMITED` and `IDEMPOTENCY_KEY_IN_USE`. */
  retryAfter?: number;
  /** Reference id of an `INTERNAL_ERROR`, also present in the server event, to correlate logs. */
  ref?: string;
}

/** A failure returned (never thrown) by a guarded Server Action. */
export interface ActionFailure {
  /** Always `false` for a failure. */
  ok: false;
  /** What went wrong. */
  error: ActionFailureError;
  /** The brand that tells a guard failure apart from an app's own `{ ok: false }` objects. */
  [FAILURE_BRAND]: typeof FAILURE_BRAND_VERSION;
}

/** What a guarded action that returns `T` can resolve to: its own value, or a guard failure. */
export type ActionResult<T> = T | ActionFailure;

const CODE_SET: ReadonlySet<string> = new Set(FAILURE_CODES);

/** Tells whether `value` is a failure produced by the guard (on the server or after crossing the wire). */
export function isActionFailure(value: unknown): value is ActionFailure {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  if (candidate[FAILURE_BRAND] !== FAILURE_BRAND_VERSION || candidate.ok !== false) return false;
  const error = candidate.error as Record<string, unknown> | null | undefined;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof error.code === 'string' &&
    CODE_SET.has(error.code) &&
    typeof error.message === 'string'
  );
}

/** Extra fields a failure may carry. */
export type FailureDetails = Omit<ActionFailureError, 'code' | 'message'>;

/** Builds a branded failure with the fixed message of `code`. */
export function createFailure(code: FailureCode, details: FailureDetails = {}): ActionFailure {
  const error: ActionFailureError = { code, message: FAILURE_MESSAGES[code] };
  if (details.fieldErrors !== undefined) error.fieldErrors = details.fieldErrors;
  if (details.formErrors !== undefined) error.formErrors = details.formErrors;
  if (details.retryAfter !== undefined) error.retryAfter = details.retryAfter;
  if (details.ref !== undefined) error.ref = details.ref;
  return { ok: false, error, [FAILURE_BRAND]: FAILURE_BRAND_VERSION };
}
